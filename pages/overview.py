"""Overview: headline executive metrics per business unit, next to the frontline KPIs feeding them."""

import streamlit as st

from bridge.app import ui
from bridge.present.screens.overview import overview_screen
from bridge.translate.request import OverviewRequest

st.title("Overview")
page = ui.start_page(OverviewRequest)
ui.grain_picker(page)
ui.show(overview_screen, page)
