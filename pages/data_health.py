"""Data health: freshness, row counts, gaps, and rows excluded or flagged — with reasons."""

import streamlit as st

from bridge.app import ui
from bridge.translate.request import HealthRequest

st.title("Data health")
page = ui.start_page(HealthRequest)
ui.health_page(page)
