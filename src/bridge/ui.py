"""The one Streamlit module of the library: caching at the boundary, URL-bound controls, rendering.

Pages call :func:`context` (settings, registry and data, loaded once and cached), a few pickers, and
:func:`show` with a screen builder; everything else lives in pure modules. Every control is bound to a
query parameter (``bind="query-params"``), so a copied link restores exactly the same view.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from bridge.dataset import Dataset
from bridge.errors import BridgeError, ConfigError
from bridge.load import data_bounds, load_dataset, open_source
from bridge.registry import Registry, load_registry
from bridge.screens.model import LENS_LABELS, Lens, PageRequest, Panel, Screen
from bridge.settings import Settings, get_settings, redact_url

log = logging.getLogger("bridge")
ALL_UNITS = "All business units"
Builder = Callable[[Dataset, Registry, PageRequest], Screen]


# --- the pages/ folder pitfall --------------------------------------------------------------------


def ensure_navigation_mode() -> None:
    """Leave Streamlit's legacy multipage mode, once per server process.

    Streamlit 1.67 sets ``PagesManager.uses_pages_directory`` when a folder named ``pages/`` sits next
    to ``app.py``; runs with that flag go through the legacy multipage wrapper even though ``app.py``
    calls ``st.navigation``. The first browser session after a server start then loses its first
    interaction, and a deep link (``/trade_offs``) runs the page script without ``app.py`` at all. So
    ``app.py`` and every page (through :func:`context`) clear the flag and rerun once, which runs
    ``app.py`` and its navigation for the same URL. ``tests/test_browser.py`` checks a fresh server's
    first session, so a Streamlit upgrade that changes this is noticed.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


# --- cached resources (keyed on plain values) -------------------------------------------------


@st.cache_resource(show_spinner=False)
def _registry(config_dir: str, stamp: float) -> Registry:
    return load_registry(config_dir)


@st.cache_resource(show_spinner=False)
def _engine(url: str, timeout: int) -> Any:
    return open_source(url, timeout_seconds=timeout)


@st.cache_data(show_spinner=False, max_entries=4)
def _bounds(
    _engine: Any, _registry: Registry, url_key: str, config_key: float, ttl_bucket: int
) -> tuple[dt.date, dt.date] | None:
    return data_bounds(_engine, _registry)


@st.cache_data(show_spinner="Loading measures from the source database…", max_entries=2)
def _dataset(
    _engine: Any,
    _registry: Registry,
    url_key: str,
    config_key: float,
    start: dt.date,
    end: dt.date,
    ttl_bucket: int,
) -> tuple[Dataset, float]:
    return load_dataset(_engine, _registry, start, end), time.time()


@st.cache_data(show_spinner="Translating…", max_entries=64)
def _screen(
    _builder: Builder,
    _dataset: Dataset,
    _registry: Registry,
    name: str,
    request: PageRequest,
    data_token: float,
    config_key: float,
) -> Screen:
    return _builder(_dataset, _registry, request)


def _config_stamp(settings: Settings) -> float:
    """Changes whenever a config file changes, so an edited config is re-read without a restart."""
    folder = settings.config_dir
    return max((p.stat().st_mtime for p in folder.glob("*.toml")), default=0.0)


# --- the page context -------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    settings: Settings
    registry: Registry
    dataset: Dataset
    data_token: float
    config_key: float
    as_of: dt.date
    unit: str | None
    dialect: str

    def request(self, **values: Any) -> PageRequest:
        return PageRequest(as_of=self.as_of, unit=self.unit, dialect=self.dialect, **values)


def context() -> Context:
    """Settings, registry and data for this run; on failure show a clear message and stop the page."""
    ensure_navigation_mode()
    settings = get_settings()
    try:
        stamp = _config_stamp(settings)
        registry = _registry(str(settings.config_dir), stamp)
    except ConfigError as exc:
        st.error(
            "The configuration has problems, so no view can be computed:\n\n"
            + "\n".join(f"- {p}" for p in exc.problems)
        )
        st.stop()
    url = settings.source_url.get_secret_value()
    bucket = int(time.time() // max(settings.cache_ttl_seconds, 1))
    try:
        engine = _engine(url, settings.query_timeout_seconds)
        bounds = _bounds(engine, registry, redact_url(url), stamp, bucket)
        if bounds is None:
            raise BridgeError("the source database has no rows in any configured source")
        first, last = bounds
        as_of = _as_of_control(first, last)
        dataset, token = _dataset(engine, registry, redact_url(url), stamp, first, as_of, bucket)
    except BridgeError as exc:
        _source_failure(exc)
        st.stop()
    return Context(
        settings=settings,
        registry=registry,
        dataset=dataset,
        data_token=token,
        config_key=stamp,
        as_of=as_of,
        unit=_unit_control(dataset),
        dialect=engine.dialect.name,
    )


def _source_failure(exc: BridgeError) -> None:
    st.error(f"Bridge cannot read its data: {exc}")
    if st.button("Retry", key="retry_source"):
        _dataset.clear()
        _bounds.clear()
        _engine.clear()
        st.rerun()


def _as_of_control(first: dt.date, last: dt.date) -> dt.date:
    latest = last + dt.timedelta(days=1)
    value = st.sidebar.date_input(
        "As of",
        value=latest,
        min_value=first + dt.timedelta(days=1),
        max_value=latest,
        key="as_of",
        bind="query-params",
        help=f"Views use data before this day. Default: the day after the latest data ({last}).",
    )
    return value if isinstance(value, dt.date) else latest


def _unit_control(dataset: Dataset) -> str | None:
    units = sorted(set(dataset.org.get_column("business_unit").to_list()))
    choice = st.sidebar.selectbox(
        "Business unit", [ALL_UNITS, *units], key="unit", bind="query-params"
    )
    return None if choice in (None, ALL_UNITS) else str(choice)


def lens_control() -> Lens:
    """Action, Choice or Side by side — in the sidebar of every page, kept in the URL (``?lens=Choice``)."""
    st.sidebar.segmented_control(
        "Lens",
        list(LENS_LABELS.values()),
        default=LENS_LABELS["both"],
        key="lens",
        bind="query-params",
        required=True,
        help="Action: team numbers against their targets (what to fix now). Choice: business-unit "
        "numbers compared across time horizons (what to choose). Side by side: both, for the same "
        "metric and scope.",
    )
    return current_lens()


def current_lens() -> Lens:
    label = st.session_state.get("lens")
    for lens, text in LENS_LABELS.items():
        if text == label:
            return lens
    return "both"


# --- pickers on a page --------------------------------------------------------------------------


def metric_picker(registry: Registry, lens: str, label: str = "Metric") -> str:
    options = [m.id for m in registry.metrics_for_lens(lens)] or list(registry.metrics)
    value = st.selectbox(
        label,
        options,
        key="metric",
        bind="query-params",
        format_func=lambda m: registry.metrics[m].label,
        help="\n\n".join(
            f"**{registry.metrics[m].label}**: {registry.metrics[m].description}" for m in options
        ),
    )
    return str(value or options[0])


def grain_picker(options: tuple[str, ...], default: str) -> str:
    value = st.segmented_control(
        "Grain", options, default=default, key="grain", bind="query-params", required=True
    )
    return str(value or default)


def decision_picker(registry: Registry) -> str | None:
    options = list(registry.decisions)
    if not options:
        return None
    value = st.selectbox(
        "Decision",
        options,
        key="decision",
        bind="query-params",
        format_func=lambda d: registry.decisions[d].question,
    )
    return str(value or options[0])


def select_unit_from_chart(key: str) -> None:
    """Callback of a selectable chart: the clicked bubble's business unit becomes the scope."""
    state = st.session_state.get(key)
    points = getattr(getattr(state, "selection", None), "points", None) or (state or {}).get(
        "selection", {}
    ).get("points", [])
    if points:
        custom = points[0].get("customdata") or []
        if custom:
            st.session_state["unit"] = custom[0]


# --- rendering ----------------------------------------------------------------------------------


def show(builder: Builder, ctx: Context, request: PageRequest) -> None:
    """Build the page's screen (cached) and render it in the current lens; errors become messages."""
    try:
        screen = _screen(
            builder,
            ctx.dataset,
            ctx.registry,
            builder.__name__,
            request,
            ctx.data_token,
            ctx.config_key,
        )
    except BridgeError as exc:
        st.error(str(exc))
        return
    except Exception:  # never a traceback in the UI; the log has it
        log.exception("building %s failed", builder.__name__)
        st.error(
            "Something went wrong while computing this view; the details are in the server log. "
            "Other pages still work."
        )
        return
    render(screen, current_lens())


def render(screen: Screen, lens: Lens) -> None:
    for note in screen.notes:
        st.info(note)
    for i, panel in enumerate(screen.common):
        _panel(panel, f"common-{i}")
    if lens == "both":
        left, right = st.columns(2, gap="large")
        with left:
            st.markdown("#### Action lens · frontline")
            for i, panel in enumerate(screen.action):
                _panel(panel, f"action-{i}")
        with right:
            st.markdown("#### Choice lens · executive")
            for i, panel in enumerate(screen.choice):
                _panel(panel, f"choice-{i}")
    else:
        panels = screen.action if lens == "action" else screen.choice
        for i, panel in enumerate(panels):
            _panel(panel, f"{lens}-{i}")


def _panel(panel: Panel, key: str) -> None:
    st.subheader(panel.title, help=panel.help)
    if panel.caption:
        st.caption(panel.caption)
    if panel.kpis:
        for column, kpi in zip(st.columns(len(panel.kpis)), panel.kpis, strict=True):
            column.metric(
                kpi.label, kpi.value, kpi.delta, delta_color=kpi.delta_color, help=kpi.help
            )
    if panel.figure is not None:
        if panel.select_key:
            st.plotly_chart(
                panel.figure,
                key=panel.select_key,
                on_select=lambda: select_unit_from_chart(panel.select_key or ""),
                selection_mode="points",
            )
        else:
            st.plotly_chart(panel.figure, key=f"chart-{key}")
    for note in panel.notes:
        st.warning(note)
    if panel.table is not None:
        st.dataframe(panel.table, hide_index=True)
    if panel.code:
        st.code(panel.code, language="sql")
