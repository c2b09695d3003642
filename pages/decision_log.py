"""Decision log: the choices recorded, their review, a form to record one, and the brief export."""

import streamlit as st

from bridge.app import ui
from bridge.present.screens.decision_log import decision_log_screen
from bridge.translate.request import DecisionLogRequest

st.title("Decision log")
page = ui.start_page(DecisionLogRequest)
ui.decision_picker(page, allow_all=True)
screen = ui.show(decision_log_screen, page)
with st.expander("Record a decision", expanded=False):
    placements = screen.placements if screen is not None else {}
    ui.decision_form(page, page.request.decision, page.request.unit, placements, key="log_form")
ui.export_section(page)
