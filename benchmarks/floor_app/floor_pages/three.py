"""Floor page 3 (see ../app.py)."""

from floor_page import render

render("Floor three", 3)
