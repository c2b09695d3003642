"""Data health: freshness, row counts, gaps, and rows excluded or flagged — with reasons."""

import streamlit as st

from bridge.app import ui

st.title("Data health")
ctx = ui.start_page()
ui.health_page(ctx)
