"""Time horizons: a metric across periods and business units, like for like."""

import streamlit as st

from bridge.app import ui
from bridge.present.screens.horizons import horizons_screen

st.title("Time horizons")
ctx = ui.start_page()
left, right = st.columns([2, 1])
with left:
    metric = ui.metric_picker(ctx.registry, "choice")
with right:
    grain = ui.grain_picker(("month", "quarter", "year"), "quarter")
ui.show(horizons_screen, ctx, ctx.request(metric=metric, grain=grain))
