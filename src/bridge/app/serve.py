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
from pathlib import Path

#: The app: ``app.py`` beside ``src/`` (the repository's root).
APP = Path(__file__).resolve().parents[3] / "app.py"


def main(argv: list[str] | None = None) -> None:
    from bridge.app import warm

    threading.Thread(target=warm.measures, name="bridge-warm-up", daemon=True).start()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    cli.main()


if __name__ == "__main__":
    main()
