"""Bridge — the Streamlit entry point: navigation, the lens control, then the selected page."""

from __future__ import annotations

import streamlit as st

from bridge.app import ui

# Must run before anything is drawn: see ui.ensure_navigation_mode (a Streamlit 1.67 pitfall with a
# folder named pages/ next to this file).
ui.ensure_navigation_mode()

st.set_page_config(page_title="Bridge", page_icon="🌉", layout="wide")

navigation = st.navigation(
    {
        "Choose": [
            st.Page("pages/overview.py", title="Overview", url_path="overview", default=True),
            st.Page("pages/trade_offs.py", title="Trade-offs", url_path="trade_offs"),
            st.Page("pages/time_horizons.py", title="Time horizons", url_path="time_horizons"),
        ],
        "Act": [
            st.Page("pages/frontline.py", title="Frontline", url_path="frontline"),
            st.Page("pages/decision_log.py", title="Decision log", url_path="decision_log"),
        ],
        "Understand": [
            st.Page("pages/definitions.py", title="Definitions & lineage", url_path="definitions"),
            st.Page("pages/data_health.py", title="Data health", url_path="data_health"),
        ],
    }
)
st.sidebar.title("Bridge")
st.sidebar.caption("Frontline numbers for action, executive numbers for choice — one definition.")
navigation.run()
