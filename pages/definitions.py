"""Definitions & lineage: formula, owner, version, the query it runs, and where the numbers come from."""

import streamlit as st

from bridge.app import ui
from bridge.present.screens.definitions import definitions_screen
from bridge.translate.request import DefinitionsRequest

st.title("Definitions & lineage")
page = ui.start_page(DefinitionsRequest)
ui.metric_picker(page, None)
ui.show(definitions_screen, page)
