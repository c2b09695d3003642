"""The one Streamlit module of the library: caching at the boundary, the URL as a page's state, rendering.

A page calls :func:`start_page` with its view name. The URL's query parameters (plus what the person
chose on other pages) become a :class:`~bridge.translate.request.RawRequest`, resolved once by
:func:`~bridge.translate.request.resolve` into the page's typed request; a refused value is reported
in the same words as the command line uses, and its default shown instead. Controls only edit the URL
(their callbacks write a query parameter, the rerun resolves it again), so the URL always holds the
whole state and a copied link opens exactly the same view. Screens are built from the request and
plain data (:class:`~bridge.present.screens.model.Inputs`) and rendered here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import re
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Generic, Protocol, TypeVar, overload

import polars as pl
import streamlit as st
from streamlit.errors import StreamlitAPIException

from bridge.app import warm
from bridge.config.access import (
    AccessDenied,
    AccessFile,
    Grant,
    Identity,
    OidcSignIn,
    ProxySignIn,
    grant,
    load_access,
)
from bridge.config.decisions import Decision
from bridge.config.metrics import Metric
from bridge.config.partial import PartialRegistry, load_partial_registry
from bridge.config.registry import Registry
from bridge.data.health import HealthReport, check
from bridge.data.load import open_source, source_sql, zone_of
from bridge.data.refresh import MeasureCache
from bridge.data.state import AuditAction, audit, list_records, open_state
from bridge.data.urls import safe_url
from bridge.dataset import OTHER_UNITS, Dataset
from bridge.errors import BridgeError, ConfigError, RequestError
from bridge.present.format import data_line
from bridge.present.screens.model import LENS_HEADINGS, LENS_LABELS, Inputs, Panel, Screen
from bridge.present.svg import sparkline
from bridge.present.tables import STATIC_ROWS, Table, csv_bytes, static_html
from bridge.records import RECORDS_SCHEMA
from bridge.settings import Settings, SettingsError, get_settings
from bridge.translate.request import LENSES, Coverage, Lens, RawRequest, Request, resolve

# What libraries import lazily (pandas, Plotly's validators), imported once while this module is
# imported — sessions importing it wait for each other — so no two sessions race them (see warm).
warm.imports()

log = logging.getLogger("bridge")
ALL_UNITS = "All business units"
#: The top choice of the business-unit control for a person who sees only some units.
ALL_YOUR_UNITS = "All your business units"
#: The pages only roles with ``understand = true`` open, by URL path (app.py's) and view name.
UNDERSTAND_PAGES = {"definitions": "definitions", "data_health": "health"}
_SIGNED_IN = "bridge_signed_in_as"
_AUDIT_AS = "bridge_audit_as"
ALL_DECISIONS = "All decisions"
R = TypeVar("R", bound=Request)
Q = TypeVar("Q", covariant=True)


class WithMetric(Protocol):
    @property
    def metric(self) -> Metric: ...


class WithGrain(Protocol):
    GRAINS: ClassVar[tuple[str, ...]]

    @property
    def grain(self) -> str: ...


class WithDecision(Protocol):
    @property
    def decision(self) -> Decision | None: ...


#: Request fields shared by every page (the rest are remembered per page).
SHARED = ("unit", "as_of", "lens")
#: How a date picker writes its day: as Bridge writes days everywhere else (ISO 8601, "2026-11-30";
#: Streamlit's own default is "2026/11/30").
DATE_FORMAT = "YYYY-MM-DD"
_MEMORY = "bridge_request_memory"
_VIEW = "bridge_view"


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


def _measure_cache(folder: str, late_days: int) -> MeasureCache:
    """The process's one measure cache, shared with the load started with the server (warm.py)."""
    return MeasureCache.shared(Path(folder), late_arriving_days=late_days)


# cache_resource, not cache_data: the dataset is never mutated, and cache_data would unpickle a copy
# of its ~300k rows on every rerun (about 100 ms: most of a warm interaction's budget). No as-of date
# in the key: every day is loaded once, and views pick their days.
# One entry per access scope in use (a unit lead's measures are read for their units only).
@st.cache_resource(show_spinner="Loading measures from the source database…", max_entries=8)
def _dataset(
    _engine: Any,
    _registry: Registry,
    url_key: str,
    _url: str,
    config_key: float,
    ttl_bucket: int,
    cache_dir: str,
    late_days: int,
    max_age: int,
    scope_key: str,
    _person: Grant,
) -> tuple[Dataset, float]:
    cache = _measure_cache(cache_dir, late_days)
    dataset = cache.load(
        _engine,
        _registry,
        today=_registry.today(),
        max_age=max_age,
        units=_person.units,
        company=_person.company,
        url=_url,
    )
    return dataset, time.time()


@st.cache_resource(show_spinner=False)
def _queries(_registry: Registry, config_key: float, dialect: str) -> dict[str, str]:
    zone = zone_of(_registry)
    return {source.name: source_sql(source, dialect, zone) for source in _registry.sources}


# A resource, not data: a screen is frozen and only read, so it is shared as it is (cache_data would
# pickle and unpickle every figure on every rerun).
@st.cache_resource(show_spinner="Translating…", max_entries=64)
def _screen(
    name: str,
    scope_key: str,
    key: tuple[object, ...],
    data_token: float,
    config_key: float,
    decisions_token: str,
    _builder: Callable[[Inputs, Any], Screen],
    _inputs: Inputs,
    _request: Request,
) -> Screen:
    return _builder(_inputs, _request)


def _config_stamp(settings: Settings) -> float:
    """Changes whenever a config file changes, so an edited config is re-read without a restart."""
    return max((p.stat().st_mtime for p in settings.config_dir.glob("*.toml")), default=0.0)


@st.cache_resource(show_spinner=False)
def _state_engine(url: str, timeout: int) -> Any:
    return open_state(url, timeout_seconds=timeout)


# --- the page --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page(Generic[Q]):
    """What a page works with: the resolved request and the plain data its screen is built from."""

    settings: Settings
    registry: Registry
    inputs: Inputs
    coverage: Coverage
    request: Q
    data_token: float
    config_key: float
    state: Any | None
    #: What the signed-in person may see and do (everything in the demo, where nobody signs in).
    person: Grant

    @property
    def decisions_token(self) -> str:
        """Changes whenever a decision is recorded (cache key of screens that show decisions)."""
        decisions = self.inputs.decisions
        if decisions.is_empty():
            return "none"
        return f"{decisions.height}:{decisions.get_column('id').max()!r}"


def start_page(kind: type[R]) -> Page[R]:
    """Settings, registry, data and the page's resolved request (of the ``kind`` the page shows);
    on failure a message, then the page stops."""
    ensure_navigation_mode()
    try:
        settings = get_settings()
    except SettingsError as exc:
        st.error(
            f"Bridge's settings have a problem: {exc}. Fix the environment or "
            "config/settings.toml (docs/config.md, Settings) and restart Bridge."
        )
        st.stop()
    stamp = _config_stamp(settings)
    registry = _config_problems(_registry(str(settings.config_dir), stamp))
    person = signed_in(settings, registry, stamp)
    if kind.VIEW in UNDERSTAND_PAGES.values() and not person.understand:
        st.error(
            "This page is for the people who keep the definitions and the data (BizOps); your "
            f"role ({', '.join(person.roles)}) does not open it. The other pages are in the menu."
        )
        st.stop()
    url = settings.source_url.get_secret_value()
    ttl = max(settings.cache_ttl_seconds, 1)
    try:
        engine = _engine(url, settings.query_timeout_seconds)
        dataset, token = _dataset(
            engine,
            registry,
            safe_url(url),
            url,
            stamp,
            int(time.time() // ttl),
            str(settings.cache_dir),
            settings.late_arriving_days,
            settings.cache_ttl_seconds,
            person.scope_key,
            person,
        )
        if dataset.measures.is_empty():
            raise BridgeError("the source database has no rows in any configured source")
    except BridgeError as exc:
        _source_failure(exc)
        st.stop()
    queries = _queries(registry, stamp, engine.dialect.name)
    registry = registry.titled(person.scope_label(registry.company))
    coverage = Coverage.of(dataset, registry.today())
    request = _resolve(kind, registry, coverage)
    _sidebar_controls(request, coverage, person)
    st.caption(literal(_data_line(registry, coverage, request)))
    state, decisions = _decision_store(settings, person, dataset)
    inputs = Inputs(dataset, registry, decisions, queries, engine.dialect.name)
    return Page(settings, registry, inputs, coverage, request, token, stamp, state, person)


# --- who is signed in ----------------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def _access(config_dir: str, stamp: float, _registry: Registry) -> AccessFile | None:
    return load_access(config_dir, _registry.decisions)


def signed_in(settings: Settings, registry: Registry, stamp: float) -> Grant:
    """What the person at the browser may see and do: everything when there is no access policy
    (the demo); else from their sign-in. Stops the page with a sign-in button, or with the reason,
    when there is no one to grant anything to. A broken ``access.toml`` stops every page."""
    try:
        policy = _access(str(settings.config_dir), stamp, registry)
    except ConfigError as exc:
        listed = "\n".join(f"- {literal(str(p))}" for p in exc.problems)
        st.error(f"The access policy has problems, so no page is shown:\n\n{listed}")
        st.stop()
    if policy is None:
        return Grant.demo()
    who = identity(policy)
    try:
        person = grant(policy, registry.decisions, who, where="Bridge's access policy")
    except AccessDenied as exc:
        if st.session_state.get(_SIGNED_IN) != f"refused:{who.email}":
            st.session_state[_SIGNED_IN] = f"refused:{who.email}"
            _audit(settings, who.email, "access_refused", "-", f"no role ({who.via})")
        address = who.email.replace("`", "")
        st.error(
            f"You are signed in as `{address}`, but Bridge shows you nothing yet: "
            + literal(str(exc)).replace(literal(who.email), "this address")
            + "."
        )
        st.stop()
    if st.session_state.get(_SIGNED_IN) != who.email:
        st.session_state[_SIGNED_IN] = who.email
        _audit(settings, who.email, "sign_in", person.scope_key, f"via {who.via}: {person.roles}")
    st.session_state[_AUDIT_AS] = (who.email, person.scope_key)
    return person


# The identity at the browser: from Streamlit's OpenID Connect sign-in, or from a trusted proxy's
# headers — and the page stops (after saying why) when there is none: a sign-in button for OpenID
# Connect; in proxy mode a refusal when the connection does not come from a configured proxy address,
# whatever headers it carries (a header anyone can send is never trusted on its own).


def identity(policy: AccessFile) -> Identity:
    """The signed-in person, or the page stops with a sign-in button or a refusal."""
    sign_in = policy.sign_in
    if isinstance(sign_in, ProxySignIn):
        return _from_proxy(sign_in)
    return _from_oidc(sign_in)


def _from_oidc(sign_in: OidcSignIn) -> Identity:
    if not _auth_configured(sign_in):
        section = "[auth]" if sign_in.provider is None else f"[auth.{sign_in.provider}]"
        st.error(
            "Sign-in with OpenID Connect is on (access.toml), but Streamlit's secrets have no "
            f"{section} section for the identity provider: add it to .streamlit/secrets.toml "
            "(docs/security.md, Sign-in with OpenID Connect) and restart Bridge."
        )
        st.stop()
    if not st.user.get("is_logged_in", False):
        st.info("Bridge shows each person the numbers they may see: sign in first.")
        if st.button("Sign in", type="primary", key="bridge_sign_in"):
            try:
                if sign_in.provider is None:
                    st.login()
                else:
                    st.login(sign_in.provider)
            except StreamlitAPIException as exc:  # e.g. a provider section missing a key
                st.error(literal(f"Sign-in could not start: {exc}"))
        st.stop()
    email = st.user.get("email")
    if not isinstance(email, str) or "@" not in email:
        st.error(
            "The identity provider signed you in without an e-mail address; Bridge's access "
            "policy names people by e-mail (ask for the 'email' scope)."
        )
        sign_out_button()
        st.stop()
    return Identity.of(email, st.user.get(sign_in.groups_claim) or (), via="oidc")


def _auth_configured(sign_in: OidcSignIn) -> bool:
    """Whether Streamlit's secrets hold the provider's section (no secrets file at all: no)."""
    try:
        auth = st.secrets.get("auth")
    except (FileNotFoundError, StreamlitAPIException):
        return False
    if not isinstance(auth, Mapping):
        return False
    return sign_in.provider is None or isinstance(auth.get(sign_in.provider), Mapping)


def _from_proxy(sign_in: ProxySignIn) -> Identity:
    if os.environ.get("FORWARDED_ALLOW_IPS") != "":
        # uvicorn (Streamlit's server) replaces the peer's address by X-Forwarded-For for
        # connections from the addresses it trusts (loopback by default): the address checked
        # here would then be whatever a header said, not the proxy's own.
        st.error(
            "Sign-in through a proxy needs Bridge's server started with FORWARDED_ALLOW_IPS set "
            "to nothing (FORWARDED_ALLOW_IPS= streamlit run app.py …), so that the address it "
            "checks is the connecting proxy's own (docs/security.md, Proxy sign-in)."
        )
        st.stop()
    address = _peer()
    if not sign_in.trusts(address):
        # Whatever the headers say: only the proxy may set them.
        st.error(
            "Bridge is reached through its sign-in proxy only, and this connection did not come "
            "through it. Open Bridge at the address your company gave you."
        )
        st.stop()
    email = st.context.headers.get(sign_in.email_header)
    if not email or "@" not in email:
        st.error(
            f"The sign-in proxy sent no e-mail address ({sign_in.email_header}); sign in again "
            "through it."
        )
        st.stop()
    groups = st.context.headers.get(sign_in.groups_header) or ""
    return Identity.of(email, groups, via="proxy")


def _peer() -> str | None:
    """The address of the connection's other end (``st.context.ip_address`` hides loopback)."""
    from streamlit.runtime.context import _get_client_context

    client = _get_client_context()
    return None if client is None else client.remote_ip


def sign_out_button() -> None:
    """Sign out of Bridge (and of the provider's session in Streamlit's cookie)."""
    if st.sidebar.button("Sign out", key="bridge_sign_out"):
        st.logout()


def _audit(settings: Settings, who: str, action: AuditAction, scope: str, detail: str) -> None:
    """One event in the audit trail; when Bridge's own database cannot take it, the page says so
    (and the log has it) — the person's work goes on."""
    try:
        state = _state_engine(settings.state_url.get_secret_value(), settings.query_timeout_seconds)
        audit(state, who, action, scope, detail)
    except BridgeError as exc:
        log.error("audit trail: %s %s not written: %s", who, action, exc)
        st.warning(literal(f"The audit trail could not record this ({action}): {exc}"))


def audit_export(page: Page[Any], what: str) -> None:
    """An export (a CSV, the brief, a PNG) in the audit trail, when someone is signed in."""
    who = page.person.who
    if who is not None:
        _audit(page.settings, who.email, "export", page.person.scope_key, what)


def _data_line(registry: Registry, coverage: Coverage, request: Request) -> str:
    """``Northwind Group · data through 2026-12-02 · as of 2026-12-03``: on every page."""
    return data_line(
        request.unit or registry.company,
        coverage.last_day,
        request.as_of,
        coverage.default_as_of,
        registry.calendar.timezone,
    )


def _resolve(kind: type[R], registry: Registry, coverage: Coverage) -> R:
    """The URL (over what was chosen on earlier visits) resolved into the page's request.

    A value refused is reported when the person gave it — a typed or shared link (the session's
    first page) or an edited URL — and dropped without a word when it was carried over from another
    page where it made sense (``grain=quarter`` arriving on Frontline). Either way the default of
    exactly that field is shown instead.
    """
    view = kind.VIEW
    url = RawRequest.from_params(st.query_params.to_dict())
    memory: dict[str, dict[str, str]] = st.session_state.setdefault(_MEMORY, {})
    previous = st.session_state.get(_VIEW)
    st.session_state[_VIEW] = view
    given = {k: v for k, v in url.model_dump().items() if v is not None}
    remembered = {**memory.get("shared", {}), **memory.get(view, {})}
    raw = RawRequest(**{**remembered, **given})
    try:
        resolved = resolve(view, raw, registry, coverage)
    except RequestError as exc:
        typed = previous in (None, view)
        if typed and any(field in given for field in exc.fields):
            st.error(literal(f"{exc} — showing the default instead."))
        try:
            resolved = resolve(view, raw.without(exc.fields), registry, coverage)
        except RequestError as again:  # nothing to fall back to (e.g. no decision configured)
            st.error(literal(str(again)))
            st.stop()
    assert isinstance(resolved, kind)  # resolve builds the request class of its view
    params = resolved.params(coverage)
    memory["shared"] = {k: v for k, v in params.items() if k in SHARED}
    memory[view] = {k: v for k, v in params.items() if k not in SHARED}
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
    return resolved


def _set_param(name: str, value: str | None) -> None:
    """Write one query parameter (None: back to its default); the rerun resolves the new URL.

    What was remembered for the field is forgotten too, so going back to a default sticks.
    """
    memory: dict[str, dict[str, str]] = st.session_state.setdefault(_MEMORY, {})
    for remembered in memory.values():
        remembered.pop(name, None)
    if value is None:
        st.query_params.pop(name, None)
    else:
        st.query_params[name] = value


def _control_value(key: str, value: object) -> None:
    """Show the request's value in a control (before the control is drawn)."""
    if st.session_state.get(key) != value:
        st.session_state[key] = value


def _config_problems(partial: PartialRegistry) -> Registry:
    """Show the config's problems (all of them, on every page); stop if nothing usable is left."""
    listed = "\n".join(f"- {literal(str(p))}" for p in partial.problems)
    if partial.registry is None:
        st.error(f"The configuration has problems, so no view can be computed:\n\n{listed}")
        st.stop()
    if partial.problems:
        st.warning(
            "The configuration has problems. Until they are fixed, Bridge leaves out "
            + (literal(", ".join(partial.left_out)) or "the broken entries")
            + " (and anything built on them); everything else below is unaffected.\n\n"
            + listed
        )
    return partial.registry


def _decision_store(
    settings: Settings, person: Grant, dataset: Dataset
) -> tuple[Any | None, pl.DataFrame]:
    """Bridge's own database and its decision records; if it fails, pages work without them. A store
    that opened but cannot be read now is still returned: the decision form stays on the page (with
    what was typed in it), and a submit says why it could not be stored."""
    url = settings.state_url.get_secret_value()
    state = None
    try:
        state = _state_engine(url, settings.query_timeout_seconds)
        teams = dataset.org.get_column("team_id").to_list()
        return state, list_records(state, units=person.units, teams=teams)
    except BridgeError as exc:
        st.warning(literal(f"Decision records are unavailable ({safe_url(url)}): {exc}"))
        return state, pl.DataFrame(schema=RECORDS_SCHEMA)


def _source_failure(exc: BridgeError) -> None:
    st.error(literal(f"Bridge cannot read its data: {exc}"))
    if st.button("Retry", key="retry_source"):
        _dataset.clear()
        _engine.clear()
        st.rerun()


# --- controls: each one edits the URL ----------------------------------------------------------


def _sidebar_controls(request: Request, coverage: Coverage, person: Grant) -> None:
    """Lens, business unit and as-of date: in the sidebar of every page."""
    if request.HAS_LENS:
        _control_value("lens", request.lens)
        st.sidebar.segmented_control(
            "Lens",
            LENSES,
            key="lens",
            format_func=lambda lens: LENS_LABELS[lens],
            required=True,
            on_change=lambda: _set_param("lens", _changed("lens", "both")),
            help="Action: team numbers against their targets (what to fix now). Choice: "
            "business-unit numbers compared across time horizons (what to choose). Side by side: "
            "both, for the same metric and scope.",
        )
    else:
        st.sidebar.caption("Lens: this page reads the same in every lens.")
    top = ALL_UNITS if person.units is None or person.company else ALL_YOUR_UNITS
    _control_value("unit", request.unit or top)
    st.sidebar.selectbox(
        "Business unit",
        [top, *coverage.units],
        key="unit",
        on_change=lambda: _set_param("unit", _changed("unit", top)),
    )
    _control_value("as_of", request.as_of)
    first = coverage.first_day or coverage.today
    st.sidebar.date_input(
        "As of",
        key="as_of",
        format=DATE_FORMAT,
        min_value=first + dt.timedelta(days=1),
        max_value=coverage.latest_as_of,
        on_change=lambda: _set_param("as_of", _changed_date("as_of", coverage.default_as_of)),
        help=f"Views use data before this day. Default: the day after the latest data "
        f"({coverage.last_day}).",
    )


def _changed(key: str, default: str) -> str | None:
    value = st.session_state.get(key)
    return None if value in (None, default) else str(value)


def _changed_date(key: str, default: dt.date) -> str | None:
    value = st.session_state.get(key)
    return value.isoformat() if isinstance(value, dt.date) and value != default else None


def metric_picker(page: Page[WithMetric], lens: str | None) -> None:
    """The metric in view (URL ``metric``), among the metrics of ``lens`` (all when None)."""
    registry = page.registry
    options = [m.id for m in registry.metrics.values() if lens is None or lens in m.lenses]
    _control_value("metric", page.request.metric.id)
    st.selectbox(
        "Metric",
        options,
        key="metric",
        format_func=lambda m: registry.metrics[m].label,
        on_change=lambda: _set_param("metric", _changed("metric", "")),
        help="\n\n".join(
            f"**{registry.metrics[m].label}**: {registry.metrics[m].description}" for m in options
        ),
    )


def grain_picker(page: Page[WithGrain]) -> None:
    """The grain in view (URL ``grain``), among those its view offers."""
    _control_value("grain", page.request.grain)
    st.segmented_control(
        "Grain",
        list(page.request.GRAINS),
        key="grain",
        required=True,
        on_change=lambda: _set_param("grain", _changed("grain", "")),
    )


def decision_picker(page: Page[WithDecision], *, allow_all: bool = False) -> None:
    """The decision in view (URL ``decision`` holds its id); optionally "All decisions"."""
    decisions = page.registry.decisions
    options = ([ALL_DECISIONS] if allow_all else []) + list(decisions)
    if not decisions:
        return
    chosen = page.request.decision
    _control_value("decision", ALL_DECISIONS if chosen is None else chosen.id)
    st.selectbox(
        "Decision",
        options,
        key="decision",
        format_func=lambda d: d if d == ALL_DECISIONS else decisions[d].question,
        on_change=lambda: _set_param("decision", _changed("decision", ALL_DECISIONS)),
    )


def select_unit_from_chart(key: str) -> None:
    """Callback of a selectable chart: the clicked bubble's business unit becomes the scope."""
    state = st.session_state.get(key)
    points = getattr(getattr(state, "selection", None), "points", None) or (state or {}).get(
        "selection", {}
    ).get("points", [])
    if points:
        custom = points[0].get("customdata") or []
        if custom and custom[0]:  # a step or bubble of a unit ("" for a total or "all others")
            _set_param("unit", str(custom[0]))


# --- rendering ----------------------------------------------------------------------------------


def page_links(sections: Mapping[str, Sequence[Any]]) -> None:
    """Bridge's own page menu in the sidebar: each link carries the shared state (lens, unit, as-of).

    The :data:`UNDERSTAND_PAGES` are listed only for a person whose role has ``understand = true``;
    who is signed in is said at the foot.
    """
    person = _sidebar_person()
    shared = {k: v for k, v in st.query_params.to_dict().items() if k in SHARED}
    st.sidebar.title("Bridge")
    st.sidebar.caption(
        "Frontline numbers for action, executive numbers for choice — one definition."
    )
    for section, pages in sections.items():
        shown_pages = [p for p in pages if person.understand or p.url_path not in UNDERSTAND_PAGES]
        if shown_pages:
            st.sidebar.caption(f"**{section}**")
        for page in shown_pages:
            st.sidebar.page_link(page, query_params=shared)
    if person.who is not None:
        st.sidebar.caption(
            f"Signed in as `{person.who.email.replace('`', '')}` ({', '.join(person.roles)})"
        )
        if person.who.via == "oidc":
            sign_out_button()


#: Streamlit's own build of its Plotly chart (and plotly.js), a chunk its pages load on the first
#: Plotly chart they meet. Bridge's landing page draws none (its bar charts are HTML), so the first
#: chart page of a browser tab paid for loading and compiling it: ~0.8 s on the click (#18).
_PLOTLY_CHUNK = next(
    (
        p.name
        for p in (Path(st.__file__).parent / "static" / "static" / "js").glob("PlotlyChart.*.js")
    ),
    None,
)
#: The key of the preload's container (hidden, with the wrapper that lays it out).
_PRELOAD_KEY = "bridge-chart-code"
#: Loads that chunk once per browser tab, from beside Streamlit's own main script — the URL
#: Streamlit's loader asks for later, so it is the same module then. Streamlit mounts this element
#: with the first page's other lazily drawn elements, so the chunk is fetched as that page finishes
#: drawing and runs just after it: one ~0.7 s task on the browser's main thread (a click in that
#: moment waits, once per tab). ``window.bridgeChartCode`` says where it is ("requested", "loaded",
#: "failed", or "skipped": no chart code asked for), which the browser tests and the browser
#: benchmark wait for (``tests.servers.CHART_CODE_PENDING``). A constant: nothing from data or config
#: is in it. Nothing happens when the chunk is not found (another Streamlit build) or fails to load:
#: the chart page then loads it.
_PRELOAD_JS = """<script>
(() => {
  if (window.bridgeChartCode) return;
  const main = document.querySelector('script[src*="static/js/index."]');
  // nothing on a connection that asks to save data (the code then loads on a chart page, as before)
  if (!main || navigator.connection?.saveData) { window.bridgeChartCode = "skipped"; return; }
  window.bridgeChartCode = "requested";
  import(new URL("CHUNK", main.src).href)
    .then(() => { window.bridgeChartCode = "loaded"; })
    .catch(() => { window.bridgeChartCode = "failed"; });
})();
</script>"""


def preload_chart_code() -> None:
    """Have the browser load the chart code with the first page, not when the person first opens
    a page with a Plotly chart (see :data:`_PRELOAD_JS`). Its element is hidden (a style-only
    ``st.html`` takes no place), so the sidebar keeps its spacing."""
    if _PLOTLY_CHUNK is not None:
        hidden = f".st-key-{_PRELOAD_KEY}"  # the container, and the wrapper that lays it out
        st.html(f"<style>{hidden}, :has(> {hidden}) {{display: none}}</style>")
        with st.sidebar.container(key=_PRELOAD_KEY):
            st.html(_PRELOAD_JS.replace("CHUNK", _PLOTLY_CHUNK), unsafe_allow_javascript=True)


def _sidebar_person() -> Grant:
    """Who is signed in, for the menu (the page's own start checks the same again)."""
    try:
        settings = get_settings()
    except SettingsError:
        return Grant.demo()  # the page says what is wrong with the settings
    stamp = _config_stamp(settings)
    partial = _registry(str(settings.config_dir), stamp)
    if partial.registry is None:
        return Grant.demo()  # the page lists the config's problems
    return signed_in(settings, partial.registry, stamp)


def show(builder: Callable[[Inputs, R], Screen], page: Page[R]) -> Screen | None:
    """Build the page's screen (cached) and render it in the request's lens; errors become messages
    (and None is returned)."""
    wanted = page.request
    # Screens hold every lens's panels (render picks the lens): one build serves all three.
    built = dataclasses.replace(wanted, lens="both")
    try:
        screen = _screen(
            builder.__name__,
            page.person.scope_key,
            built.key(),
            page.data_token,
            page.config_key,
            page.decisions_token,
            builder,
            page.inputs,
            built,
        )
    except BridgeError as exc:  # its message may echo names from data: text, never Markdown
        st.error(literal(str(exc)))
        return None
    except Exception:  # never a traceback in the UI; the log has it
        log.exception("building %s failed", builder.__name__)
        st.error(
            "Something went wrong while computing this view; the details are in the server log. "
            "Other pages still work."
        )
        return None
    render(screen, wanted.lens if wanted.HAS_LENS else "both")
    return screen


def render(screen: Screen, lens: Lens) -> None:
    """Lens-free panels, then each row: side by side the executive column first, lined up row by
    row with the frontline panels that feed it."""
    for i, panel in enumerate(screen.common):
        _panel(panel, f"common-{i}")
    for r, row in enumerate(screen.rows):
        if lens == "both" and row.choice and row.action:
            sides: dict[Lens, tuple[Panel, ...]] = {"choice": row.choice, "action": row.action}
            order: tuple[Lens, Lens] = (
                ("choice", "action") if screen.first == "choice" else ("action", "choice")
            )
            for column, side in zip(st.columns([3, 2], gap="large"), order, strict=True):
                with column:
                    if r == 0:
                        st.caption(f"**{LENS_HEADINGS[side]}**")
                    for i, panel in enumerate(sides[side]):
                        _panel(panel, f"{r}-{side}-{i}")
            continue
        panels = (
            (*row.choice, *row.choice_alone)
            if lens == "choice"
            else row.action
            if lens == "action"
            else (*row.choice, *row.action)
        )
        for i, panel in enumerate(panels):
            _panel(panel, f"{r}-{lens}-{i}")


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")[:60] or "table"


_CHART_CONFIG = {"displaylogo": False, "responsive": True}


#: Markdown's (and Streamlit's directives') special characters, escaped in text from data or config.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")
#: Streamlit's Markdown (GFM) makes a link of a bare web or e-mail address in text after reading
#: escapes, so an escaped ":" does not stop it: a word joiner (U+2060, invisible) after "http:",
#: "https:", "www" or "@" breaks the address for the link finder and for nobody reading it.
_AUTOLINK = re.compile(r"(?i)(https?:|www|@)")
JOINER = "\u2060"


@overload
def literal(text: str) -> str: ...
@overload
def literal(text: None) -> None: ...
def literal(text: str | None) -> str | None:
    """Text shown as it is: a unit named ``![x](http://…)`` or ``**big**`` is not Markdown, and a
    name holding ``http://…`` is no link."""
    return None if text is None else _MARKDOWN.sub(r"\\\1", _AUTOLINK.sub(rf"\1{JOINER}", text))


def _panel(panel: Panel, key: str) -> None:
    # Every text of a screen carries names from data and config: shown literally, never as Markdown.
    st.subheader(literal(panel.title), help=literal(panel.help), anchor=False)
    if panel.caption:
        st.caption(literal(panel.caption))
    for message in panel.info:
        st.info(literal(message), icon=":material/info:")
    if panel.cards:
        for column, card in zip(st.columns(len(panel.cards)), panel.cards, strict=True):
            with column.container(border=True):
                st.metric(
                    literal(card.label),
                    card.value,
                    card.delta,
                    delta_color=card.delta_color,
                    delta_arrow=card.arrow,
                    delta_description=literal(card.versus),
                    help=literal(card.help),
                )
                if card.note:
                    # in the card under its delta, good or bad news in the delta's own green or
                    # red (the ▲/▼ says it without colour): under the card, in grey, "+8.4%" in
                    # green above it read as "fine" though behind plan
                    tone = {"good": "green", "bad": "red"}.get(card.note_tone or "")
                    note = literal(card.note)
                    st.caption(f":{tone}[{note}]" if tone else note)
                if spark := sparkline(card.spark, card.spark_title):
                    # Bridge's own SVG (numbers and an escaped title only), not st.metric's
                    # chart_data: a Vega chart per card cost the Overview 25 ms each (#18).
                    st.markdown(spark, unsafe_allow_html=True)
    if panel.figure is not None:
        figure, select_key = panel.figure, panel.select_key
        _folded(panel.fold, f"chart-{select_key or key}", lambda: _chart(figure, select_key, key))
    if panel.drawing is not None:
        # Bridge's own markup (escaped text and inline styles, bridge.present.html_charts), not Plotly.
        drawing = panel.drawing
        _folded(panel.fold, f"chart-{key}", lambda: _drawing(drawing))
    for note in panel.notes:
        st.warning(literal(note), icon=":material/warning:")
    if panel.table is not None:
        _table(panel.table, panel.title, key)
    if panel.code:
        code = panel.code
        _folded(panel.fold, f"sql-{key}", lambda: st.code(code, language="sql"))


def _folded(label: str | None, key: str, draw: Callable[[], object]) -> None:
    """``draw()`` in place, or, with a ``label``, folded under it and drawn only once opened (the
    expander reruns the page and reports whether it is open). Streamlit keys the expander by its
    ``key`` and its label: a label that changes between reruns closes it."""
    if label is None:
        draw()
        return
    fold = st.expander(literal(label), key=f"fold-{key}", on_change="rerun")
    if fold.open:
        with fold:
            draw()


def _drawing(markup: str) -> None:
    """A static chart's markup. ``st.html`` keeps HTML only (its sanitiser drops SVG), so a drawing
    with lines (an ``<svg>``: text from data can never read as one, it is escaped) goes through
    Markdown's raw HTML, as the cards' trend lines do."""
    if "<svg" in markup:
        st.markdown(markup, unsafe_allow_html=True)
    else:
        st.html(markup)


def _chart(figure: Any, select_key: str | None, key: str) -> None:
    """A Plotly chart; selectable (a click opens the point's unit) when it has a ``select_key``."""
    if select_key:
        st.plotly_chart(
            figure,
            key=select_key,
            on_select=lambda: select_unit_from_chart(select_key),
            selection_mode="points",
            config=_CHART_CONFIG,
        )
    else:
        st.plotly_chart(figure, key=f"chart-{key}", config=_CHART_CONFIG)


def _table(shown: Table, title: str, key: str) -> None:
    """A small table as plain HTML (escaped, :func:`~bridge.present.tables.static_html`), a larger
    one as Streamlit's grid (sorting, scrolling); both with their CSV download."""
    if shown.height <= STATIC_ROWS:
        st.html(static_html(shown, title))
    else:
        st.dataframe(
            shown.shown,
            hide_index=True,
            column_config={
                name: st.column_config.TextColumn(name, help=shown.help.get(name))
                for name in shown.shown.columns
            },
        )
    st.download_button(
        "CSV",
        csv_bytes(shown.csv_frame),
        file_name=f"{_slug(title)}.csv",
        mime="text/csv",
        key=f"csv-{key}",
        icon=":material/download:",
        help="Download this table as CSV (plain numbers)",
        on_click=_audit_csv,
        args=(f"{title} (CSV)",),
    )


def _audit_csv(what: str) -> None:
    """A CSV download in the audit trail (the signed-in person is the session's)."""
    signed = st.session_state.get(_AUDIT_AS)
    if signed is not None:
        who, scope = signed
        _audit(get_settings(), who, "export", scope, what)


# --- decisions: record and export -------------------------------------------------------------


def record_section(page: Page[Any], screen: Screen | None, *, key: str, per_unit: bool) -> None:
    """ "Record a decision" under a page, for the decision and business unit in view, pre-filled
    with where the screen's decision places the unit; ``per_unit``: only once a unit is picked."""
    unit = page.request.unit
    if per_unit and (unit is None or screen is None):
        return
    placements = screen.placements if screen is not None else {}
    with st.expander(f"Record a decision for {unit}" if per_unit else "Record a decision"):
        _decision_form(page, page.request.decision, unit, placements, key=key)


def _decision_form(
    page: Page[Any],
    decision: Decision | None,
    unit: str | None,
    placements: Mapping[str, str],
    *,
    key: str,
) -> None:
    """A form to record a choice for the decision in view: the unit in view, and only the choices
    the decision's rule names, pre-filled with where the rule places the unit."""
    from bridge.data.state import record
    from bridge.present.decisions import choices
    from bridge.records import RecordError, parse_input

    registry = page.registry
    if not registry.decisions:
        st.info("Recording decisions needs a decision in the configuration (decisions.toml).")
        return
    if page.state is None:
        st.info(
            "Decisions cannot be recorded while Bridge's own database (BRIDGE_STATE_URL) is "
            "unavailable: see the warning above."
        )
        return
    if decision is None:
        st.info("Pick a decision above to record a choice for it.")
        return
    units = [u for u in page.coverage.units if u != OTHER_UNITS]  # no choice for "the rest"
    as_of = page.request.as_of
    uid_key = f"{key}_uid"
    if uid_key not in st.session_state:
        st.session_state[uid_key] = str(uuid.uuid4())
    options = list(choices(decision))
    suggested = placements.get(unit or "")
    person = page.person
    allowed = person.may_record(decision)
    with st.form(key, clear_on_submit=False, border=True):
        st.text(decision.question)
        if not allowed:
            st.warning(
                f"Choices on this decision are recorded by the role {literal(decision.role or '')}; "
                f"you are signed in as {', '.join(person.roles)}, so a choice you submit is "
                "refused (and the attempt is kept in the audit trail)."
            )
        left, right = st.columns(2)
        with left:
            scope = st.selectbox(
                "Business unit", units, index=units.index(unit) if unit in units else 0
            )
            choice = st.selectbox(
                "Choice",
                options,
                index=options.index(suggested) if suggested in options else 0,
                help="The choices this decision's rule names; the unit's current quadrant first "
                "selected.",
            )
            rationale = st.text_area("Rationale", max_chars=4000)
            if person.who is None:
                author = st.text_input(
                    "Decided by",
                    max_chars=200,
                    help="Nobody signs in to this Bridge (no access policy): the name typed here "
                    "is stored as it is, unverified.",
                )
            else:
                author = person.who.email
                st.text(f"Decided by: {author} (signed in)")
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
            decided_on = st.date_input("Decided on", value=as_of, format=DATE_FORMAT)
            review_on = st.date_input(
                "Review on", value=as_of + dt.timedelta(days=182), format=DATE_FORMAT
            )
        submitted = st.form_submit_button("Record the decision", type="primary")
    if not submitted:
        return
    if not allowed:
        assert person.who is not None  # the demo grants every decision
        _audit(
            page.settings,
            person.who.email,
            "decision_refused",
            person.scope_key,
            f"{decision.id}: {choice} for {scope} (needs role {decision.role})",
        )
        st.error(
            f"The decision was not recorded: choices on {decision.id!r} are recorded by the role "
            f"{decision.role}, and yours are: {', '.join(person.roles)}."
        )
        return
    try:
        entry = parse_input(
            {
                "decision_id": decision.id,
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
            page.state,
            registry,
            page.inputs.dataset.org,
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
        st.error(literal(str(exc)))
        return
    if person.who is not None:
        _audit(
            page.settings,
            person.who.email,
            "decision_recorded",
            person.scope_key,
            f"#{record_id} {decision.id}: {choice} for {scope}",
        )
    del st.session_state[uid_key]  # the next decision gets a new id
    st.success(literal(f"Recorded decision #{record_id}: {choice} for {scope}."))
    st.rerun()


def export_section(page: Page[Any]) -> None:
    """The executive brief (self-contained HTML) and a PNG of the first trade-off chart."""
    from bridge.present.export import ExportUnavailable, brief_html, png_bytes, tradeoff_png_figure
    from bridge.translate.review import review

    dataset, registry, decisions = page.inputs.dataset, page.registry, page.inputs.decisions
    end = page.request.data_end
    st.subheader(
        "Export", help="The brief is one HTML file with its charts inside: it opens offline."
    )
    # Side by side at their own widths (two half-page columns set them a column apart); each
    # download appears under its button. They wrap one under the other on a phone.
    row = st.container(horizontal=True, gap="medium")
    left, right = (row.container(width="content") for _ in range(2))
    with left:
        if st.button("Prepare the executive brief", key="prepare_brief"):
            with st.spinner("Building the brief…"):
                reviews = review(decisions, dataset, registry, end)
                text = brief_html(dataset, registry, end, decisions, reviews)
            st.download_button(
                "Download the brief (HTML)",
                text.encode("utf-8"),
                file_name=f"bridge-brief-{end}.html",
                mime="text/html",
                key="brief_download",
                on_click=lambda: audit_export(page, f"the executive brief for data before {end}"),
            )
    with right:
        if st.button("Prepare a PNG of the trade-off chart", key="prepare_png"):
            figure = tradeoff_png_figure(dataset, registry, end)
            if figure is None:
                st.info("No decision is configured.")
                return
            try:
                with st.spinner("Rendering…"):
                    png = png_bytes(figure)
            except ExportUnavailable as exc:
                st.warning(literal(str(exc)))
                return
            st.download_button(
                "Download PNG",
                png,
                file_name="tradeoff.png",
                mime="image/png",
                key="png_download",
                on_click=lambda: audit_export(page, "the trade-off chart (PNG)"),
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


def health_page(page: Page[Any]) -> None:
    """Run (cached) the data health checks and render them; a failure is a message, not a crash."""
    from bridge.present.screens.data_health import data_health_screen

    settings = page.settings
    url = settings.source_url.get_secret_value()
    bucket = int(time.time() // max(settings.cache_ttl_seconds, 1))
    try:
        engine = _engine(url, settings.query_timeout_seconds)
        report = _health(
            engine, page.registry, safe_url(url), page.config_key, page.request.as_of, bucket
        )
    except BridgeError as exc:
        st.error(str(exc))
        return
    render(data_health_screen(report.sources, report.findings, report.as_of), page.request.lens)
