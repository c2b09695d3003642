"""Bridge — the Streamlit entry point: navigation, the lens control, then the selected page."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

# Streamlit 1.67: a folder named pages/ next to this file sets PagesManager.uses_pages_directory, and a
# run with that flag goes through the legacy multipage wrapper even though we call st.navigation: the
# first browser session after a server start loses its first interaction. Clear the flag and rerun
# once (see ../shared/docs/STACK_NOTES.md); tests/test_browser.py checks a fresh server's first session.
if PagesManager.uses_pages_directory:
    PagesManager.uses_pages_directory = False
    st.rerun()

from bridge import ui

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
        ],
        "Understand": [
            st.Page("pages/definitions.py", title="Definitions & lineage", url_path="definitions"),
        ],
    }
)
st.sidebar.title("Bridge")
st.sidebar.caption("Frontline numbers for action, executive numbers for choice — one definition.")
ui.lens_control()
navigation.run()
