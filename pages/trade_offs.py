"""Trade-offs: a decision's bubble chart; click a business unit to see its teams."""

import streamlit as st

from bridge import ui
from bridge.screens.tradeoffs import tradeoffs_screen

st.title("Trade-offs")
ctx = ui.context()
decision = ui.decision_picker(ctx.registry)
ui.show(tradeoffs_screen, ctx, ctx.request(decision=decision))
