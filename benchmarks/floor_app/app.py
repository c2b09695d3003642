"""The floor: Streamlit's cheapest equivalent of a Bridge page, for ``bench_browser``.

Three pages through ``st.navigation`` (Streamlit's default sidebar menu), each with a title, one
segmented control, one small Plotly chart and one 20-row table — what every Bridge page has at the
least. Bridge's figures are reported as ratios to these, measured in the same run.

The pages live in ``floor_pages/``, not ``pages/``: in Streamlit 1.67 a ``pages/`` folder next to
the main script switches on the legacy multipage behaviour.
"""

import streamlit as st

st.set_page_config(page_title="Floor", layout="wide")

navigation = st.navigation(
    [
        st.Page("floor_pages/one.py", title="Floor one", url_path="one", default=True),
        st.Page("floor_pages/two.py", title="Floor two", url_path="two"),
        st.Page("floor_pages/three.py", title="Floor three", url_path="three"),
    ]
)
navigation.run()
