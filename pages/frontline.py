"""Frontline: team KPIs against target and the ranked fix-now list."""

import streamlit as st

from bridge.app import ui
from bridge.present.screens.frontline import frontline_screen
from bridge.translate.request import FrontlineRequest

st.title("Frontline")
page = ui.start_page(FrontlineRequest)
left, right = st.columns([2, 1])
with left:
    ui.metric_picker(page, "action")
with right:
    ui.grain_picker(page)
ui.show(frontline_screen, page)
