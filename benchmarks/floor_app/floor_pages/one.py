"""Floor page 1 (see ../app.py)."""

from floor_page import render

render("Floor one", 1)
