"""Time horizons: a metric across periods and business units, like for like."""

import streamlit as st

from bridge.app import ui
from bridge.present.screens.horizons import horizons_screen
from bridge.translate.request import HorizonRequest

st.title("Time horizons")
page = ui.start_page(HorizonRequest)
left, right = st.columns([2, 1])
with left:
    ui.metric_picker(page, "choice")
with right:
    ui.grain_picker(page)
ui.show(horizons_screen, page)
