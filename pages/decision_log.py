"""Decision log: the choices recorded, their review, a form to record one, and the brief export."""

import streamlit as st

from bridge.app import ui
from bridge.present.screens.decision_log import decision_log_screen
from bridge.translate.request import DecisionLogRequest

st.title("Decision log")
page = ui.start_page(DecisionLogRequest)
ui.decision_picker(page, allow_all=True)
ui.show(decision_log_screen, page)
with st.expander("Record a decision", expanded=False):
    chosen = page.request.decision
    ui.decision_form(page, None if chosen is None else chosen.id, page.request.unit, key="log_form")
ui.export_section(page)
