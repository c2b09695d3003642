"""Trade-offs: a decision's bubble chart; click a business unit to see its teams and record a choice."""

import streamlit as st

from bridge.app import ui
from bridge.present.screens.tradeoffs import tradeoffs_screen

st.title("Trade-offs")
ctx = ui.start_page()
decision = ui.decision_picker(ctx.registry)
ui.show(tradeoffs_screen, ctx, ctx.request(decision=decision))
if ctx.unit is not None:
    with st.expander(f"Record a decision for {ctx.unit}", expanded=False):
        ui.decision_form(ctx, decision, ctx.unit, key="tradeoff_form")
