"""The one Streamlit module of the library: caching at the boundary, URL-bound controls, rendering.

Pages call :func:`start_page` (settings, registry and data, loaded once and cached), a few pickers, and
:func:`show` with a screen builder; everything else lives in pure modules. Every control is bound to a
query parameter (``bind="query-params"``), so a copied link restores exactly the same view.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from bridge.config.partial import PartialRegistry, load_partial_registry
from bridge.config.registry import Registry
from bridge.data.health import HealthReport, check
from bridge.data.load import data_bounds, open_source
from bridge.data.refresh import MeasureCache
from bridge.data.state import list_records, open_state
from bridge.data.urls import safe_url
from bridge.dataset import Dataset
from bridge.errors import BridgeError
from bridge.present.export import csv_bytes
from bridge.present.screens.model import LENS_LABELS, Lens, PageRequest, Panel, Screen
from bridge.records import RECORDS_SCHEMA
from bridge.settings import Settings, get_settings

log = logging.getLogger("bridge")
ALL_UNITS = "All business units"
Builder = Callable[[Dataset, Registry, PageRequest, pl.DataFrame], Screen]


# --- the pages/ folder pitfall --------------------------------------------------------------------


def ensure_navigation_mode() -> None:
    """Leave Streamlit's legacy multipage mode, once per server process.

    Streamlit 1.67 sets ``PagesManager.uses_pages_directory`` when a folder named ``pages/`` sits next
    to ``app.py``; runs with that flag go through the legacy multipage wrapper even though ``app.py``
    calls ``st.navigation``. The first browser session after a server start then loses its first
    interaction, and a deep link (``/trade_offs``) runs the page script without ``app.py`` at all. So
    ``app.py`` and every page (through :func:`start_page`) clear the flag and rerun once, which runs
    ``app.py`` and its navigation for the same URL. ``tests/test_browser.py`` checks a fresh server's
    first session, so a Streamlit upgrade that changes this is noticed.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


# --- cached resources (keyed on plain values) -------------------------------------------------


@st.cache_resource(show_spinner=False)
def _registry(config_dir: str, stamp: float) -> PartialRegistry:
    return load_partial_registry(config_dir)


@st.cache_resource(show_spinner=False)
def _engine(url: str, timeout: int) -> Any:
    return open_source(url, timeout_seconds=timeout)


@st.cache_data(show_spinner=False, max_entries=4)
def _bounds(
    _engine: Any, _registry: Registry, url_key: str, config_key: float, ttl_bucket: int
) -> tuple[dt.date, dt.date] | None:
    return data_bounds(_engine, _registry)


# cache_resource, not cache_data: the dataset is never mutated, and cache_data would unpickle a copy
# of its ~300k rows on every rerun (about 100 ms: most of a warm interaction's budget).
@st.cache_resource(show_spinner="Loading measures from the source database…", max_entries=2)
def _dataset(
    _engine: Any,
    _registry: Registry,
    url_key: str,
    config_key: float,
    start: dt.date,
    end: dt.date,
    ttl_bucket: int,
    cache_dir: str,
    late_days: int,
) -> tuple[Dataset, float]:
    dataset = _measure_cache(cache_dir, late_days).load(_engine, _registry, start, end)
    return dataset, time.time()


@st.cache_resource(show_spinner=False)
def _measure_cache(folder: str, late_days: int) -> MeasureCache:
    return MeasureCache(Path(folder), late_arriving_days=late_days)


@st.cache_data(show_spinner="Translating…", max_entries=64)
def _screen(
    _builder: Builder,
    _dataset: Dataset,
    _registry: Registry,
    name: str,
    request: PageRequest,
    data_token: float,
    config_key: float,
    _decisions: pl.DataFrame,
    decisions_token: str,
) -> Screen:
    return _builder(_dataset, _registry, request, _decisions)


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
    state: Any | None
    decisions: pl.DataFrame

    @property
    def decisions_token(self) -> str:
        """Changes whenever a decision is recorded (cache key of screens that show decisions)."""
        if self.decisions.is_empty():
            return "none"
        return f"{self.decisions.height}:{self.decisions.get_column('id').max()!r}"

    def request(self, **values: Any) -> PageRequest:
        return PageRequest(as_of=self.as_of, unit=self.unit, dialect=self.dialect, **values)


def start_page() -> Context:
    """Settings, registry and data for this run; on failure show a clear message and stop the page."""
    ensure_navigation_mode()
    settings = get_settings()
    stamp = _config_stamp(settings)
    registry = _config_problems(_registry(str(settings.config_dir), stamp))
    url = settings.source_url.get_secret_value()
    bucket = int(time.time() // max(settings.cache_ttl_seconds, 1))
    try:
        engine = _engine(url, settings.query_timeout_seconds)
        bounds = _bounds(engine, registry, safe_url(url), stamp, bucket)
        if bounds is None:
            raise BridgeError("the source database has no rows in any configured source")
        first, last = bounds
        as_of = _as_of_control(first, last)
        dataset, token = _dataset(
            engine,
            registry,
            safe_url(url),
            stamp,
            first,
            as_of,
            bucket,
            str(settings.cache_dir),
            settings.late_arriving_days,
        )
    except BridgeError as exc:
        _source_failure(exc)
        st.stop()
    state, decisions = _decision_store(settings)
    return Context(
        settings=settings,
        registry=registry,
        dataset=dataset,
        data_token=token,
        config_key=stamp,
        as_of=as_of,
        unit=_unit_control(dataset),
        dialect=engine.dialect.name,
        state=state,
        decisions=decisions,
    )


def _config_problems(partial: PartialRegistry) -> Registry:
    """Show the config's problems (all of them, on every page); stop if nothing usable is left."""
    listed = "\n".join(f"- {p}" for p in partial.problems)
    if partial.registry is None:
        st.error(f"The configuration has problems, so no view can be computed:\n\n{listed}")
        st.stop()
    if partial.problems:
        st.warning(
            "The configuration has problems. Until they are fixed, Bridge leaves out "
            + (", ".join(partial.left_out) or "the broken entries")
            + " (and anything built on them); everything else below is unaffected.\n\n"
            + listed
        )
    return partial.registry


@st.cache_resource(show_spinner=False)
def _state_engine(url: str, timeout: int) -> Any:
    return open_state(url, timeout_seconds=timeout)


def _decision_store(settings: Settings) -> tuple[Any | None, pl.DataFrame]:
    """Bridge's own database and its decision records; if it fails, pages work without them."""
    url = settings.state_url.get_secret_value()
    try:
        state = _state_engine(url, settings.query_timeout_seconds)
        return state, list_records(state)
    except (BridgeError, SQLAlchemyError) as exc:
        message = str(exc) if isinstance(exc, BridgeError) else type(exc).__name__
        st.warning(f"Decision records are unavailable ({safe_url(url)}): {message}")
        return None, pl.DataFrame(schema=RECORDS_SCHEMA)


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
    if not options:
        st.info("No metric is available: see the configuration problems above.")
        st.stop()
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


ALL_DECISIONS = "All decisions"


def decision_picker(registry: Registry, *, allow_all: bool = False) -> str | None:
    """The decision in view (URL ``decision`` holds its question); optionally "All decisions"."""
    options = list(registry.decisions)
    if allow_all:
        value = st.selectbox(
            "Decision",
            [ALL_DECISIONS, *(registry.decisions[d].question for d in options)],
            key="decision",
            bind="query-params",
        )
        by_question = {registry.decisions[d].question: d for d in options}
        return by_question.get(str(value))
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
            ctx.decisions,
            ctx.decisions_token,
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


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")[:60] or "table"


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
        st.download_button(
            "CSV",
            csv_bytes(panel.table),
            file_name=f"{_slug(panel.title)}.csv",
            mime="text/csv",
            key=f"csv-{key}",
            icon=":material/download:",
            help="Download this table as CSV",
        )
    if panel.code:
        st.code(panel.code, language="sql")


# --- decisions: record and export -------------------------------------------------------------


def decision_form(ctx: Context, decision_id: str | None, unit: str | None, *, key: str) -> None:
    """A form to record a choice, prefilled with the decision and unit in view."""
    from bridge.data.state import CHOICES, record
    from bridge.records import RecordError, parse_input

    registry = ctx.registry
    if ctx.state is None or not registry.decisions:
        st.info("Recording decisions needs Bridge's own database (BRIDGE_STATE_URL).")
        return
    decisions = list(registry.decisions)
    units = sorted(set(ctx.dataset.org.get_column("business_unit").to_list()))
    uid_key = f"{key}_uid"
    if uid_key not in st.session_state:
        st.session_state[uid_key] = str(uuid.uuid4())
    with st.form(key, clear_on_submit=False, border=True):
        left, right = st.columns(2)
        with left:
            chosen = st.selectbox(
                "Decision",
                decisions,
                index=decisions.index(decision_id) if decision_id in decisions else 0,
                format_func=lambda d: registry.decisions[d].question,
            )
            scope = st.selectbox(
                "Business unit", units, index=units.index(unit) if unit in units else 0
            )
            choice = st.selectbox(
                "Choice",
                CHOICES,
                accept_new_options=True,
                help="One of the usual choices, or type your own.",
            )
            rationale = st.text_area("Rationale", max_chars=4000)
            author = st.text_input("Decided by", max_chars=200)
        with right:
            metric_ids = list(registry.metrics)
            metric = st.selectbox(
                "Metric expected to move",
                metric_ids,
                format_func=lambda m: registry.metrics[m].label,
            )
            direction = st.radio("Expected direction", ["up", "down", "flat"], horizontal=True)
            expected = st.number_input(
                "Expected value (optional, in the metric's unit; a rate as a fraction)",
                value=None,
                format="%.4f",
            )
            decided_on = st.date_input("Decided on", value=ctx.as_of)
            review_on = st.date_input("Review on", value=ctx.as_of + dt.timedelta(days=182))
        submitted = st.form_submit_button("Record the decision", type="primary")
    if not submitted:
        return
    try:
        entry = parse_input(
            {
                "decision_id": chosen,
                "scope_level": "business_unit",
                "scope": scope,
                "choice": choice or "",
                "rationale": rationale or "",
                "author": author or "",
                "decided_on": decided_on,
                "metric_id": metric,
                "expected_direction": direction,
                "expected_value": expected,
                "review_on": review_on,
                "record_uid": st.session_state[uid_key],
            }
        )
        record_id = record(
            ctx.state,
            registry,
            ctx.dataset.org,
            entry,
            now=dt.datetime.now(dt.UTC).replace(tzinfo=None),
        )
    except RecordError as exc:
        st.error(
            "The decision was not recorded:\n\n"
            + "\n".join(
                f"- **{p.entry}**: expected {p.expected}; found {p.found}" for p in exc.problems
            )
        )
        return
    except BridgeError as exc:
        st.error(str(exc))
        return
    del st.session_state[uid_key]  # the next decision gets a new id
    st.success(f"Recorded decision #{record_id}: {choice} for {scope}.")
    st.rerun()


def export_section(ctx: Context) -> None:
    """The executive brief (self-contained HTML) and a PNG of the first trade-off chart."""
    from bridge.present.export import ExportUnavailable, brief_html, png_bytes
    from bridge.translate.review import review

    st.subheader(
        "Export", help="The brief is one HTML file with its charts inside: it opens offline."
    )
    left, right = st.columns(2)
    with left:
        if st.button("Prepare the executive brief", key="prepare_brief"):
            with st.spinner("Building the brief…"):
                reviews = review(ctx.decisions, ctx.dataset, ctx.registry, ctx.as_of)
                text = brief_html(ctx.dataset, ctx.registry, ctx.as_of, ctx.decisions, reviews)
            st.download_button(
                "Download the brief (HTML)",
                text.encode("utf-8"),
                file_name=f"bridge-brief-{ctx.as_of}.html",
                mime="text/html",
                key="brief_download",
            )
    with right:
        if st.button("Prepare a PNG of the trade-off chart", key="prepare_png"):
            from bridge.present.charts import tradeoff_bubbles, unit_colours
            from bridge.translate.tradeoff import tradeoff

            decision = next(iter(ctx.registry.decisions.values()), None)
            if decision is None:
                st.info("No decision is configured.")
                return
            view = tradeoff(ctx.dataset, ctx.registry, decision.id, ctx.as_of)
            figure = tradeoff_bubbles(
                view, decision, unit_colours(ctx.dataset.org.get_column("business_unit").to_list())
            )
            try:
                with st.spinner("Rendering…"):
                    png = png_bytes(figure)
            except ExportUnavailable as exc:
                st.warning(str(exc))
                return
            st.download_button(
                "Download PNG",
                png,
                file_name=f"tradeoff-{decision.id}.png",
                mime="image/png",
                key="png_download",
            )


# --- data health -------------------------------------------------------------------------------


@st.cache_data(show_spinner="Checking the source data…", max_entries=4)
def _health(
    _engine: Any,
    _registry: Registry,
    url_key: str,
    config_key: float,
    as_of: dt.date,
    ttl_bucket: int,
) -> HealthReport:
    return check(_engine, _registry, as_of)


def health_page(ctx: Context) -> None:
    """Run (cached) the data health checks and render them; a failure is a message, not a crash."""
    from bridge.present.screens.data_health import data_health_screen

    url = ctx.settings.source_url.get_secret_value()
    bucket = int(time.time() // max(ctx.settings.cache_ttl_seconds, 1))
    try:
        engine = _engine(url, ctx.settings.query_timeout_seconds)
        report = _health(engine, ctx.registry, safe_url(url), ctx.config_key, ctx.as_of, bucket)
    except BridgeError as exc:
        st.error(str(exc))
        return
    render(data_health_screen(report), current_lens())
