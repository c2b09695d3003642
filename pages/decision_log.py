"""Decision log: the choices recorded, their review, a form to record one, and the brief export."""

import streamlit as st

from bridge.app import ui
from bridge.present.screens.decision_log import decision_log_screen

st.title("Decision log")
ctx = ui.start_page()
decision = ui.decision_picker(ctx.registry, allow_all=True)
ui.show(decision_log_screen, ctx, ctx.request(decision=decision))
with st.expander("Record a decision", expanded=False):
    ui.decision_form(ctx, decision, ctx.unit, key="log_form")
ui.export_section(ctx)
