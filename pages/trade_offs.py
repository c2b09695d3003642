"""Trade-offs: a decision's bubble chart; click a business unit to see its teams and record a choice."""

import streamlit as st

from bridge.app import ui
from bridge.present.screens.tradeoffs import tradeoffs_screen
from bridge.translate.request import TradeoffRequest

st.title("Trade-offs")
page = ui.start_page(TradeoffRequest)
ui.decision_picker(page)
screen = ui.show(tradeoffs_screen, page)
unit = page.request.unit
if unit is not None and screen is not None:
    with st.expander(f"Record a decision for {unit}", expanded=False):
        ui.decision_form(page, page.request.decision, unit, screen.placements, key="tradeoff_form")
