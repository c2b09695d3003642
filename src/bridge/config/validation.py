"""Semantic rules across config files, and the agreement of config and database.

Each rule is a small function that *returns* the problems it finds; :func:`semantic_problems` and
:func:`database_problems` run them all so every mistake is reported in one pass.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace

from sqlalchemy import Engine, inspect
from sqlalchemy import types as sqltypes
from sqlalchemy.exc import SQLAlchemyError

from bridge.config.decisions import DecisionsFile, QuadrantRule
from bridge.config.metrics import DerivedMetric, MetricsFile
from bridge.config.registry import DECISIONS_FILE, METRICS_FILE, SOURCES_FILE
from bridge.config.sources import SourcesFile
from bridge.errors import Problem
from bridge.settings import redact_url

S = f"config/{SOURCES_FILE}"
MF = f"config/{METRICS_FILE}"
D = f"config/{DECISIONS_FILE}"


def semantic_problems(
    sources: SourcesFile, metrics: MetricsFile, decisions: DecisionsFile, folder: str = "config"
) -> list[Problem]:
    """Every cross-reference problem in the three files (named as ``<folder>/<file>``)."""
    rules: list[Callable[[SourcesFile, MetricsFile, DecisionsFile], Iterable[Problem]]] = [
        duplicate_sources,
        duplicate_measures,
        duplicate_metrics,
        unknown_measures,
        unknown_metric_references,
        derived_cycles,
        duplicate_decisions,
        unknown_decision_metrics,
        unknown_metric_decisions,
        unknown_portfolio_metrics,
        share_thresholds_in_range,
    ]
    return relocate([p for rule in rules for p in rule(sources, metrics, decisions)], folder)


def relocate(problems: list[Problem], folder: str) -> list[Problem]:
    """Name files by the config folder actually used (rules are written against ``config/``)."""
    if folder == "config":
        return problems
    return [
        replace(
            p,
            file=p.file.replace("config/", f"{folder}/", 1),
            expected=p.expected.replace("config/", f"{folder}/"),
        )
        for p in problems
    ]


def _dupes(names: Iterable[str]) -> list[str]:
    return [n for n, c in Counter(names).items() if c > 1]


def duplicate_sources(s: SourcesFile, m: MetricsFile, d: DecisionsFile) -> Iterator[Problem]:
    for name in _dupes(src.name for src in s.sources):
        yield Problem(S, f"sources (name={name!r})", "each source name once", "it twice or more")


def duplicate_measures(s: SourcesFile, m: MetricsFile, d: DecisionsFile) -> Iterator[Problem]:
    owners: dict[str, list[str]] = {}
    for src in s.sources:
        for meas in src.measures:
            owners.setdefault(meas.name, []).append(src.name)
    for name, where in owners.items():
        if len(where) > 1:
            yield Problem(
                S,
                f"measures (name={name!r})",
                "each measure name once across all sources",
                f"it in sources {', '.join(where)}",
                "rename one, e.g. orders_count and tickets_count",
            )


def duplicate_metrics(s: SourcesFile, m: MetricsFile, d: DecisionsFile) -> Iterator[Problem]:
    for name in _dupes(x.id for x in m.metrics):
        yield Problem(MF, f"metrics (id={name!r})", "each metric id once", "it twice or more")


def unknown_measures(s: SourcesFile, m: MetricsFile, d: DecisionsFile) -> Iterator[Problem]:
    known = {meas.name for src in s.sources for meas in src.measures}
    listing = ", ".join(sorted(known))
    for i, metric in enumerate(m.metrics):
        for field in ("measure", "numerator", "denominator", "reported_measure"):
            name = getattr(metric, field, None)
            if name is not None and name not in known:
                yield Problem(
                    MF,
                    f"metrics[{i}] (id={metric.id!r}).{field}",
                    f"a measure defined in {S} ({listing})",
                    repr(name),
                )


def unknown_metric_references(
    s: SourcesFile, m: MetricsFile, d: DecisionsFile
) -> Iterator[Problem]:
    known = {x.id for x in m.metrics}
    for i, metric in enumerate(m.metrics):
        if isinstance(metric, DerivedMetric):
            for ref in metric.refs:
                if ref not in known:
                    yield Problem(
                        MF,
                        f"metrics[{i}] (id={metric.id!r}).expression",
                        "only ids of metrics defined in this file",
                        f"unknown metric {ref!r}",
                        "(revenue - cost) / revenue",
                    )


def derived_cycles(s: SourcesFile, m: MetricsFile, d: DecisionsFile) -> Iterator[Problem]:
    graph = {x.id: x.refs for x in m.metrics if isinstance(x, DerivedMetric)}
    reported: set[frozenset[str]] = set()
    for start in graph:
        path = _cycle_from(start, graph)
        if path and frozenset(path) not in reported:
            reported.add(frozenset(path))
            yield Problem(
                MF,
                f"metrics (id={start!r}).expression",
                "derived metrics that do not refer to themselves, directly or through others",
                "a cycle " + " -> ".join(path),
            )


def _cycle_from(start: str, graph: dict[str, tuple[str, ...]]) -> list[str] | None:
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    while stack:
        node, path = stack.pop()
        for nxt in graph.get(node, ()):
            if nxt == start:
                return [*path, start]
            if nxt not in path:
                stack.append((nxt, [*path, nxt]))
    return None


def duplicate_decisions(s: SourcesFile, m: MetricsFile, d: DecisionsFile) -> Iterator[Problem]:
    for name in _dupes(x.id for x in d.decisions):
        yield Problem(D, f"decisions (id={name!r})", "each decision id once", "it twice or more")


def unknown_decision_metrics(s: SourcesFile, m: MetricsFile, d: DecisionsFile) -> Iterator[Problem]:
    known = {x.id for x in m.metrics}
    for i, dec in enumerate(d.decisions):
        for axis_name in ("x", "y", "size"):
            axis = getattr(dec, axis_name)
            if axis.metric not in known:
                yield Problem(
                    D,
                    f"decisions[{i}] (id={dec.id!r}).{axis_name}.metric",
                    f"a metric id from {MF}",
                    repr(axis.metric),
                )


def unknown_metric_decisions(s: SourcesFile, m: MetricsFile, d: DecisionsFile) -> Iterator[Problem]:
    known = {x.id for x in d.decisions}
    for i, metric in enumerate(m.metrics):
        for dec in metric.decisions:
            if dec not in known:
                yield Problem(
                    MF,
                    f"metrics[{i}] (id={metric.id!r}).decisions",
                    f"ids of decisions in {D} ({', '.join(sorted(known)) or 'none defined'})",
                    repr(dec),
                )


def unknown_portfolio_metrics(
    s: SourcesFile, m: MetricsFile, d: DecisionsFile
) -> Iterator[Problem]:
    known = {x.id for x in m.metrics}
    for key in ("investment", "contribution"):
        name = getattr(d.portfolio, key)
        if name is not None and name not in known:
            yield Problem(D, f"portfolio.{key}", f"a metric id from {MF}", repr(name))


def share_thresholds_in_range(
    s: SourcesFile, m: MetricsFile, d: DecisionsFile
) -> Iterator[Problem]:
    for i, dec in enumerate(d.decisions):
        if not isinstance(dec.rule, QuadrantRule):
            continue
        for axis_name, value in (("x", dec.rule.x_threshold), ("y", dec.rule.y_threshold)):
            axis = getattr(dec, axis_name)
            if axis.transform == "share" and not 0 <= value <= 1:
                yield Problem(
                    D,
                    f"decisions[{i}] (id={dec.id!r}).rule.{axis_name}_threshold",
                    f"a share between 0 and 1 (axis {axis_name} is a share of the company total)",
                    repr(value),
                    f"{axis_name}_threshold = 0.25",
                )
            if axis.transform.startswith("growth") and not -1 <= value <= 10:
                yield Problem(
                    D,
                    f"decisions[{i}] (id={dec.id!r}).rule.{axis_name}_threshold",
                    "a growth rate as a fraction between -1 and 10 (0.1 means +10%)",
                    repr(value),
                    f"{axis_name}_threshold = 0.1",
                )


# --- config against the database -------------------------------------------------------------

_NUMERIC = (sqltypes.Integer, sqltypes.Numeric, sqltypes.Float)
_TEMPORAL = (sqltypes.Date, sqltypes.DateTime)


def database_problems(s: SourcesFile, engine: Engine, folder: str = "config") -> list[Problem]:
    """Every table or column the config names that the database lacks, or has with the wrong type."""
    return relocate(_database_problems(s, engine), folder)


def _database_problems(s: SourcesFile, engine: Engine) -> list[Problem]:
    try:
        insp = inspect(engine)
    except SQLAlchemyError as exc:
        return [
            Problem(
                "database",
                "(connection)",
                f"a reachable database at {redact_url(engine.url.render_as_string(False))}",
                type(exc).__name__ + ": " + str(exc.orig if hasattr(exc, "orig") else exc),
            )
        ]
    problems: list[Problem] = []
    tables: dict[str | None, set[str]] = {}

    missing_schemas: set[str | None] = set()

    def columns(
        table: str, schema: str | None, entry: str
    ) -> dict[str, sqltypes.TypeEngine[object]] | None:
        if schema in missing_schemas:
            return None  # already reported once; its tables cannot be checked
        if schema not in tables:
            try:
                tables[schema] = set(insp.get_table_names(schema=schema))
            except SQLAlchemyError:
                missing_schemas.add(schema)
                problems.append(
                    Problem(
                        S, entry.rsplit(".", 1)[0] + ".schema", "a schema that exists", repr(schema)
                    )
                )
                return None
        if table not in tables[schema]:
            available = ", ".join(sorted(tables[schema])) or "no tables"
            problems.append(Problem(S, entry, f"a table that exists ({available})", repr(table)))
            return None
        return {c["name"]: c["type"] for c in insp.get_columns(table, schema=schema)}

    def need(
        cols: dict[str, sqltypes.TypeEngine[object]],
        col: str | None,
        entry: str,
        table: str,
        kinds: tuple[type, ...] | None = None,
        what: str = "",
    ) -> None:
        if col is None:
            return
        if col not in cols:
            problems.append(
                Problem(S, entry, f"a column of table {table!r} ({', '.join(cols)})", repr(col))
            )
        elif kinds and not isinstance(cols[col], kinds):
            problems.append(Problem(S, entry, f"a {what} column", f"{col!r} of type {cols[col]}"))

    org = s.org
    cols = columns(org.table, org.db_schema, "org.table")
    if cols is not None:
        for f in ("team_column", "team_name_column", "business_unit_column"):
            need(cols, getattr(org, f), f"org.{f}", org.table)
    for i, src in enumerate(s.sources):
        base = f"sources[{i}] (name={src.name!r})"
        cols = columns(src.table, src.db_schema, f"{base}.table")
        if cols is None:
            continue
        need(
            cols, src.time_column, f"{base}.time_column", src.table, _TEMPORAL, "date or timestamp"
        )
        need(cols, src.team_column, f"{base}.team_column", src.table)
        need(cols, src.id_column, f"{base}.id_column", src.table)
        for j, meas in enumerate(src.measures):
            mb = f"{base}.measures[{j}] (name={meas.name!r})"
            # every aggregated value becomes a number (Float64): min/max over text cannot
            numeric = _NUMERIC if meas.agg != "count" else None
            need(cols, meas.column, f"{mb}.column", src.table, numeric, "numeric")
            for k, cond in enumerate(meas.where):
                need(cols, cond.column, f"{mb}.where[{k}].column", src.table)
    for key, spec in (("targets", s.targets), ("plan", s.plan)):
        if spec is None:
            continue
        cols = columns(spec.table, spec.db_schema, f"{key}.table")
        if cols is None:
            continue
        for f, _ in type(spec).model_fields.items():
            if f.endswith("_column"):
                need(cols, getattr(spec, f), f"{key}.{f}", spec.table)
    return problems
