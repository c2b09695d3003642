"""Overview: headline executive metrics per business unit, next to the frontline KPIs feeding them."""

import streamlit as st

from bridge.app import ui
from bridge.present.screens.overview import overview_screen

st.title("Overview")
ctx = ui.start_page()
grain = ui.grain_picker(("month", "quarter", "year"), "quarter")
ui.show(overview_screen, ctx, ctx.request(grain=grain))
