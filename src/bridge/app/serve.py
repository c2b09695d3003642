"""``make run``: Streamlit's server for ``app.py``, with the measures loaded as the server starts.

Streamlit runs nothing of an app until a browser opens a page, so the first page after a start would
begin importing and reading the database only then (on the sample, 4 of its 7 seconds). Here the
server starts as ``streamlit run app.py`` would — same options, same process — and a background
thread runs :func:`bridge.app.warm.measures` meanwhile: a person who opens the page a few seconds
later finds the measures in memory, and one who opens it at once waits for that one load instead
of starting their own.

Usage: ``python -m bridge.app.serve [streamlit run options]`` (what ``make run`` does).
"""

from __future__ import annotations

import sys
import threading

#: The app, as ``streamlit run app.py`` names it: in the folder the server starts in (the
#: repository's root, where ``make run`` runs; Streamlit says so plainly when it is not there).
APP = "app.py"


def main(argv: list[str] | None = None) -> None:
    from bridge.app import warm

    # Imports first, in this thread, before the server's: two threads importing the same library
    # at once is the race warm.py exists for (seen here: "partially initialized module 'pandas'"
    # when the load's thread and Streamlit's start imported together). The load only runs code.
    warm.imports()
    warm.measure_imports()
    threading.Thread(target=warm.measures, name="bridge-warm-up", daemon=True).start()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", APP, *(sys.argv[1:] if argv is None else argv)]
    cli.main(prog_name="streamlit")


if __name__ == "__main__":
    main()
