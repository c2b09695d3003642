"""Bridge — the Streamlit entry point: the pages, Bridge's own page links, then the selected page."""

from __future__ import annotations

import streamlit as st

from bridge.app import ui

# Must run before anything is drawn: see ui.ensure_navigation_mode (a Streamlit 1.67 pitfall with a
# folder named pages/ next to this file).
ui.ensure_navigation_mode()

st.set_page_config(page_title="Bridge", page_icon="🌉", layout="wide")

OVERVIEW = st.Page("pages/overview.py", title="Overview", url_path="overview")


def home() -> None:
    """The root URL opens the Overview at its own path (so ``/overview`` works when typed, too)."""
    st.switch_page(OVERVIEW, query_params=st.query_params.to_dict())


SECTIONS = {
    "Choose": [
        OVERVIEW,
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
# Hidden: the links below are Bridge's own, so they carry the shared state (lens, business unit,
# as-of date) to the next page, and no automatic menu ever shows (.streamlit/config.toml).
navigation = st.navigation(
    {"": [st.Page(home, title="Bridge", default=True)], **SECTIONS}, position="hidden"
)
# The chart code loads with the first page, not on the first click to a chart.
ui.preload_chart_code()
# With an access policy, the person signs in here first, and sees only the pages their role opens.
ui.page_links(SECTIONS)
navigation.run()
