"""Stage 5 — the entrances: the command line and the Streamlit boundary (the one module using it)."""
