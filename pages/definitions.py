"""Definitions & lineage: formula, owner, version, the query it runs, and where the numbers come from."""

import streamlit as st

from bridge.app import ui
from bridge.present.screens.definitions import definitions_screen

st.title("Definitions & lineage")
ctx = ui.start_page()
metric = ui.metric_picker(ctx.registry, "choice")
ui.show(definitions_screen, ctx, ctx.request(metric=metric))
