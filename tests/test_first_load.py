"""No first-load race: six pages opened at once on a server that has just started, five times over.

Each session runs its script in a thread of its own; on a fresh server they all import the heavy
libraries at the same moment. Without :mod:`bridge.app.warm` one page in a few showed "Something went
wrong" with ``partially initialized module 'numpy' has no attribute 'ndarray'`` in the log. Every
round starts a new server process (imports are per process); the measure cache is shared between
rounds so the five rounds stay short.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browsing import CHROMIUM, NO_CHROMIUM

pytestmark = pytest.mark.browser

if CHROMIUM is None:
    pytest.skip(NO_CHROMIUM, allow_module_level=True)

from playwright.sync_api import Browser  # noqa: E402

from tests.browsing import (  # noqa: E402
    FIRST_LOAD_MS,
    VIEWPORT,
    assert_no_errors,
    main,
    running_server,
    settle,
)
from tests.servers import PAGES  # noqa: E402

ROUNDS = 5
SIX_PAGES = list(PAGES.values())[:6]
RACE_SIGNS = ("partially initialized module", "most likely due to a circular import", "Traceback")


@pytest.mark.parametrize("round_", range(1, ROUNDS + 1))
def test_six_pages_at_once_on_a_fresh_server(
    round_: int, browser: Browser, sample_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp(f"first-load-{round_}")
    cache = tmp_path_factory.getbasetemp() / "first-load-cache"
    with running_server(sample_url, folder, cache_dir=cache) as base:
        contexts = [browser.new_context(viewport=VIEWPORT) for _ in SIX_PAGES]
        try:
            pages = [ctx.new_page() for ctx in contexts]
            for page, (path, _) in zip(pages, SIX_PAGES, strict=True):
                page.goto(f"{base}/{path}", wait_until="commit", timeout=FIRST_LOAD_MS)
            for page, (_, title) in zip(pages, SIX_PAGES, strict=True):
                main(page).get_by_role("heading", name=title, level=1).wait_for(
                    timeout=FIRST_LOAD_MS
                )
                settle(page, FIRST_LOAD_MS)
                assert_no_errors(page)
                shown = main(page).inner_text()
                assert "Something went wrong" not in shown, f"{page.url}: {shown[:500]}"
        finally:
            for ctx in contexts:
                ctx.close()
        log = Path(folder / "server.log").read_text(errors="replace")
        assert not [sign for sign in RACE_SIGNS if sign in log], log[-4000:]
        # make run's server loaded the measures as it started (bridge.app.serve), beside the pages
        assert "measures not loaded at start" not in log, log[-4000:]
