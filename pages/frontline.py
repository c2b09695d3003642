"""Frontline: team KPIs against target and the ranked fix-now list."""

import streamlit as st

from bridge.app import ui
from bridge.present.screens.frontline import frontline_screen

st.title("Frontline")
ctx = ui.start_page()
left, right = st.columns([2, 1])
with left:
    metric = ui.metric_picker(ctx.registry, "action")
with right:
    grain = ui.grain_picker(("day", "week"), "week")
ui.show(frontline_screen, ctx, ctx.request(metric=metric, grain=grain))
