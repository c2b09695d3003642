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

:func:`measures` does the rest of a first page's waiting while nobody waits yet: started once the
server is up (``make run``, :mod:`bridge.app.serve`), it imports what every page needs (under the
same lock) and loads the measures into the process's measure cache, which the first page then finds
in memory.
"""

from __future__ import annotations

import logging
import threading

_LOCK = threading.Lock()
_done = False
log = logging.getLogger("bridge")


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


def measures() -> None:
    """The imports, then the measures of the whole company read into the process's shared measure
    cache — what the first page of the demo (no access policy) would otherwise start doing only
    once someone opens it. A page that asks meanwhile waits for this load (the cache's lock), it
    never runs a second one. Never raises: any problem (settings, config, database) is only logged,
    and the first page reports it in its own words, as it always did.

    With an access policy, nothing is loaded: each person's scope has its own cache, and the
    server reads no business unit before someone allowed to see it asks.
    """
    from pathlib import Path

    try:
        imports()
        from bridge.config.access import load_access
        from bridge.config.registry import load_registry
        from bridge.data.load import open_source
        from bridge.data.refresh import MeasureCache
        from bridge.settings import get_settings

        settings = get_settings()
        registry = load_registry(settings.config_dir)
        if load_access(settings.config_dir, registry.decisions) is not None:
            return
        url = settings.source_url.get_secret_value()
        engine = open_source(url, timeout_seconds=settings.query_timeout_seconds)
        try:
            cache = MeasureCache.shared(Path(settings.cache_dir), settings.late_arriving_days)
            cache.load(
                engine,
                registry,
                today=registry.today(),
                max_age=settings.cache_ttl_seconds,
                url=url,
            )
        finally:
            engine.dispose()
        log.info(
            "measures loaded as the server started (%s)",
            cache.last.mode if cache.last else "cached",
        )
    except Exception as exc:  # the first page reports it in its words; a start never fails here
        log.warning("measures not loaded at start (the first page will load them): %s", exc)
