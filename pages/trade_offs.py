"""Trade-offs: a decision's bubble chart; click a business unit to see its teams and record a choice."""

import streamlit as st

from bridge.app import ui
from bridge.present.screens.tradeoffs import tradeoffs_screen
from bridge.translate.request import TradeoffRequest

st.title("Trade-offs")
page = ui.start_page(TradeoffRequest)
ui.decision_picker(page)
screen = ui.show(tradeoffs_screen, page)
ui.record_section(page, screen, key="tradeoff_form", per_unit=True)
