"""``make run``: Streamlit's server for ``app.py``, with the measures loaded as soon as it is up.

Streamlit runs nothing of an app until a browser opens a page, so the first page after a start would
begin importing and reading the database only then (on the sample, 4 of its 7 seconds). Here the
server starts as ``streamlit run app.py`` would — same options, same process — and, once it is up,
a background thread runs :func:`bridge.app.warm.measures` while the browser is still loading
Streamlit's own code: a person who opens the page a few seconds later finds the measures in memory,
and one who opens it at once waits for that one load instead of starting their own.

The thread waits for Streamlit's runtime to have started: while Streamlit starts, its thread imports
libraries the load imports too, and two threads importing one library at once is the first-load race
:mod:`bridge.app.warm` exists for (seen while the load started at once: "partially initialized
module 'pandas'" in one start in four). From then on, the sessions and the load meet at warm's lock.

Usage: ``python -m bridge.app.serve [streamlit run options]`` (what ``make run`` does).
"""

from __future__ import annotations

import sys
import threading
import time

#: The app, as ``streamlit run app.py`` names it: in the folder the server starts in (the
#: repository's root, where ``make run`` runs; Streamlit says so plainly when it is not there).
APP = "app.py"
#: How often the load's thread looks whether Streamlit's runtime has started.
POLL_SECONDS = 0.05


def main(argv: list[str] | None = None) -> None:
    from streamlit.runtime import Runtime  # noqa: F401  (imported here, before the thread looks)
    from streamlit.web import cli

    threading.Thread(target=load_once_started, name="bridge-warm-up", daemon=True).start()
    sys.argv = ["streamlit", "run", APP, *(sys.argv[1:] if argv is None else argv)]
    cli.main(prog_name="streamlit")


def load_once_started() -> None:
    """:func:`bridge.app.warm.measures`, once Streamlit's runtime has started (never, when the
    server does not start: the thread dies with the process)."""
    from streamlit.runtime import Runtime, RuntimeState

    from bridge.app import warm

    while not Runtime.exists() or Runtime.instance().state == RuntimeState.INITIAL:
        time.sleep(POLL_SECONDS)
    if Runtime.instance().state in (RuntimeState.STOPPING, RuntimeState.STOPPED):
        return
    warm.measures()


if __name__ == "__main__":
    main()
