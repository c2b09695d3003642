"""Floor page 2 (see ../app.py)."""

from floor_page import render

render("Floor two", 2)
