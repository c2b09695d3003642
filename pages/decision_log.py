"""Decision log: the choices recorded, their review, a form to record one, and the brief export."""

import streamlit as st

from bridge.app import ui
from bridge.present.screens.decision_log import decision_log_screen
from bridge.translate.request import DecisionLogRequest

st.title("Decision log")
page = ui.start_page(DecisionLogRequest)
ui.decision_picker(page, allow_all=True)
screen = ui.show(decision_log_screen, page)
ui.record_section(page, screen, key="log_form", per_unit=False)
ui.export_section(page)
