"""Imports done once per server process, one session at a time, before a page is drawn.

Streamlit runs each browser session's script in a thread of its own. Right after a server starts,
several sessions may import the heavy libraries at once, and a library that imports lazily on first
use (Plotly's validators pull in numpy when the first figure is built) can then meet a module another
thread has only half initialised: ``partially initialized module 'numpy' has no attribute
'ndarray'``; and Plotly looks pandas up in ``sys.modules`` without importing it, so a pandas that
another session (through Streamlit) is still importing is seen half-made (``'pandas' has no
attribute 'Series'``). :func:`imports` runs those first imports and one figure of each kind under a lock, so the
second session waits for the first instead of racing it.

It runs when :mod:`bridge.app.ui` is first imported — the first line of ``app.py`` and of every page
(a fresh server's first sessions may run a page without ``app.py``: see
``ui.ensure_navigation_mode``), and sessions importing ``ui`` wait for each other. Nothing here imports
``ui`` itself.
"""

from __future__ import annotations

import threading

_LOCK = threading.Lock()
_done = False


def imports() -> None:
    """Import what every page needs and build each kind of figure once; later calls return at once."""
    global _done
    if _done:
        return
    with _LOCK:
        if _done:
            return
        import numpy  # noqa: F401  (polars, pyarrow and plotly import it lazily)
        import pandas  # type: ignore[import-untyped]  # noqa: F401  (Streamlit imports it lazily)
        import polars  # noqa: F401
        import pyarrow  # noqa: F401

        from bridge.present.charts import warm_up

        warm_up()
        _done = True
