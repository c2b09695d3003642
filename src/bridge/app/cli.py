"""``bridge``: the headless command line for BizOps and scripts.

Commands: ``validate``, ``init``, ``metrics``, ``view``, ``export``, ``audit``, ``refresh``,
``sample-data``. Every command
that reads the config refuses one that ``validate`` rejects, with the same problems. Errors are printed
as clear messages on stderr with a non-zero exit status — never a traceback, never a password.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import io
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from bridge.config.registry import Registry
from bridge.dataset import Dataset
from bridge.errors import BridgeError, ConfigError
from bridge.settings import Settings, SettingsError, get_settings
from bridge.translate.request import CLI_VIEWS, Coverage, RawRequest

if TYPE_CHECKING:
    from bridge.config.access import Grant
    from bridge.data.load import Engine
    from bridge.data.refresh import RefreshStats
    from bridge.data.state import AuditAction

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="bridge", description=__doc__.splitlines()[0] if __doc__ else ""
    )
    sub = p.add_subparsers(dest="command", required=True)

    sub.add_parser("validate", help="check config/ and that the database agrees with it")

    i = sub.add_parser(
        "init", help="write a starter config from what a database holds (then: bridge validate)"
    )
    i.add_argument(
        "--database-url",
        metavar="URL",
        help="the database to read (default: BRIDGE_SOURCE_URL), e.g. "
        "postgresql+psycopg://user@host:5432/db; it is only read",
    )
    i.add_argument(
        "--out", type=Path, help="the folder to write sources.toml and metrics.toml into "
        "(default: BRIDGE_CONFIG_DIR, i.e. config/)",
    )  # fmt: skip
    i.add_argument("--force", action="store_true", help="replace files that exist")

    m = sub.add_parser("metrics", help="list the metric registry")
    m.add_argument("--format", choices=["table", "csv", "json"], default="table")

    v = sub.add_parser("view", help="print one view")
    v.add_argument("view", choices=CLI_VIEWS)
    v.add_argument("--metric", help="a metric id (default: the first of the view's lens)")
    v.add_argument("--decision", help="a decision id (tradeoff; default: the first)")
    v.add_argument(
        "--grain",
        help="frontline, fix_now: day or week; horizon: month, quarter or year; consistency: "
        "week, month, quarter or year to date (default: the trailing twelve months)",
    )
    v.add_argument(
        "--compare",
        help="drivers: the period so far against the same days of last year or of the prior "
        "period, or against the units' plans: last_year, prior or plan (default: last_year)",
    )
    v.add_argument(
        "--top", type=int, metavar="N", help="drivers: the N largest effects, the rest as one row"
    )
    v.add_argument("--business-unit", help="one business unit (default: all)")
    v.add_argument(
        "--as-of",
        metavar="DATE",
        help="views use data before this day (default: the day after the last data day)",
    )
    v.add_argument("--format", choices=["table", "csv", "json"], default="table")
    _as_user(v)

    e = sub.add_parser("export", help="export the executive brief (one self-contained HTML file)")
    e.add_argument("what", choices=["brief"])
    e.add_argument("--out", type=Path, required=True, help="the HTML file to write")
    e.add_argument("--as-of", metavar="DATE", help="views use data before this day")
    e.add_argument("--force", action="store_true", help="replace the file if it exists")
    _as_user(e)

    a = sub.add_parser("audit", help="print the audit trail: sign-ins, decisions, exports")
    a.add_argument("--since", type=_date, metavar="DATE", help="events from this day on (UTC)")
    a.add_argument("--limit", type=int, metavar="N", help="the N newest events")
    a.add_argument("--format", choices=["table", "csv", "json"], default="table")
    _as_user(a)

    r = sub.add_parser("refresh", help="refresh the measure cache (incremental unless --full)")
    r.add_argument("--full", action="store_true", help="read all history again")

    s = sub.add_parser(
        "sample-data", help="generate the demo company (an SQLite file, or into a database)"
    )
    s.add_argument("--seed", type=int)
    where = s.add_mutually_exclusive_group()
    where.add_argument(
        "--out", type=Path, help="SQLite file to write (default: sample_data/sample.sqlite)"
    )
    where.add_argument(
        "--database-url",
        metavar="URL",
        help="write into this database instead, e.g. postgresql+psycopg://user@host:5432/db "
        "or mysql+pymysql://user@host:3306/db, or a Spark Connect server: sc://host:15002",
    )
    s.add_argument("--as-of", type=_date, help="data ends the day before (default: today)")
    s.add_argument(
        "--events",
        type=int,
        metavar="N",
        help="about N orders in total, tickets in proportion, same stories "
        "(default: about 1.3 million over four years)",
    )
    s.add_argument("--replace", action="store_true", help="overwrite an existing sample")
    s.add_argument("--if-missing", action="store_true", help="do nothing when a sample exists")
    return p


def _as_user(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--as-user",
        metavar="EMAIL",
        help="whose view this is, when config/access.toml turns sign-in on: only what that "
        "person may see is read (e.g. for a scheduled export)",
    )


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a date like 2026-11-30, found {text[:40]!r}"
        ) from None


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = get_settings()
        handler = {
            "audit": cmd_audit,
            "export": cmd_export,
            "init": cmd_init,
            "refresh": cmd_refresh,
            "validate": cmd_validate,
            "metrics": cmd_metrics,
            "view": cmd_view,
            "sample-data": cmd_sample,
        }[args.command]
        return handler(args, settings)
    except SettingsError as exc:  # named, its value never echoed
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_PROBLEMS
    except BridgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    except BrokenPipeError:  # output piped into `head`: not an error of ours
        return EXIT_OK


@dataclass(frozen=True)
class Opened:
    """The config (valid, and agreeing with the database) and the data every view needs."""

    registry: Registry
    dataset: Dataset
    coverage: Coverage
    #: What the measure cache did for this load (read from the source, kept from disk).
    refresh: RefreshStats
    #: What the person named by ``--as-user`` may see (everything without an access policy).
    grant: Grant


def _connect(settings: Settings) -> tuple[Registry, Engine]:
    """The strict registry and the source database, opened read-only."""
    from bridge.config.registry import load_registry
    from bridge.data.load import open_source

    registry = load_registry(settings.config_dir)
    return registry, open_source(
        settings.source_url, timeout_seconds=settings.query_timeout_seconds
    )


def _open(
    settings: Settings,
    *,
    full: bool = False,
    max_age: float | None = None,
    as_user: str | None = None,
) -> Opened:
    """The registry and the measures (from the cache within ``max_age`` seconds of a refresh,
    without opening the database) — only the business units ``as_user`` may see, when an access
    policy is on."""
    from bridge.config.registry import load_registry
    from bridge.data.refresh import MeasureCache

    registry = load_registry(settings.config_dir)
    person = _grant(settings, registry, as_user)
    cache = MeasureCache(settings.cache_dir, settings.late_arriving_days)
    url = settings.source_url.get_secret_value()
    units, company = person.units, person.company
    dataset = None
    if max_age is not None and not full:
        dataset = cache.fresh(url, registry, max_age=max_age, units=units, company=company)
    today = registry.today()
    if dataset is None:
        from bridge.data.load import open_source

        engine = open_source(settings.source_url, timeout_seconds=settings.query_timeout_seconds)
        dataset = cache.load(
            engine,
            registry,
            today=today,
            full=full,
            verify=True,
            units=units,
            company=company,
            url=url,
        )
    assert cache.last is not None  # every load records what it did
    registry = registry.titled(person.scope_label(registry.company))
    return Opened(registry, dataset, Coverage.of(dataset, today), cache.last, person)


def _grant(settings: Settings, registry: Registry, as_user: str | None) -> Grant:
    """What ``--as-user`` may see: everything without config/access.toml; with it, the person
    must be named (and be named by a role)."""
    from bridge.config.access import ACCESS_FILE, Grant, Identity, grant, load_access

    policy = load_access(settings.config_dir, registry.decisions)
    where = str(settings.config_dir / ACCESS_FILE)
    if policy is None:
        if as_user is not None:
            raise BridgeError(
                f"--as-user needs an access policy ({where}); without one nobody signs in and "
                "every number is shown"
            )
        return Grant.demo()
    if as_user is None:
        raise BridgeError(
            f"{where} turns sign-in on: say whose view this is with --as-user EMAIL (only what "
            "that person may see is read)"
        )
    return grant(policy, registry.decisions, Identity.of(as_user, via="cli"), where=where)


def _audit(settings: Settings, person: Grant, action: AuditAction, detail: str) -> None:
    """An event in the audit trail, for a command run ``--as-user`` (the demo keeps none)."""
    if person.who is None:
        return
    from bridge.data.state import audit, open_state

    state = open_state(settings.state_url, timeout_seconds=settings.query_timeout_seconds)
    audit(state, person.who.email + " (command line)", action, person.scope_key, detail)


def cmd_validate(args: argparse.Namespace, settings: Settings) -> int:
    from bridge.config.access import load_access
    from bridge.data.checks import database_problems
    from bridge.data.urls import safe_url

    registry, engine = _connect(settings)
    problems = list(database_problems(registry.sources_file, engine, registry.files))
    try:
        policy = load_access(settings.config_dir, registry.decisions)
    except ConfigError as exc:
        problems.extend(exc.problems)
        policy = None
    if problems:
        raise ConfigError(problems)
    n_measures = sum(len(s.measures) for s in registry.sources)
    print(
        f"OK: {len(registry.sources)} sources, {n_measures} measures, {len(registry.metrics)} metrics "
        f"and {len(registry.decisions)} decisions in {settings.config_dir}/ agree with "
        f"{safe_url(settings.source_url)}"
        + (f"; sign-in is on ({len(policy.roles)} roles)" if policy is not None else "")
    )
    return EXIT_OK


def cmd_init(args: argparse.Namespace, settings: Settings) -> int:
    """Introspect a database, write a commented starter config, and validate it."""
    from bridge.config.registry import load_registry
    from bridge.config.starter import render
    from bridge.data.checks import database_problems
    from bridge.data.introspect import introspect
    from bridge.data.load import open_source
    from bridge.data.urls import safe_url
    from bridge.output import write_file

    url = args.database_url or settings.source_url
    out: Path = args.out or settings.config_dir
    engine = open_source(url, timeout_seconds=settings.query_timeout_seconds)
    starter = introspect(engine, safe_url(url))
    if not starter.sources:
        left = "; ".join(starter.skipped) or "no tables"
        raise BridgeError(
            f"found no table Bridge could read in {starter.where} (a time column and a team "
            f"column are needed): {left}"
        )
    files = render(starter, dt.date.today())
    for name in files:  # both checked before either is written
        if (out / name).exists() and not args.force:
            raise BridgeError(f"{out / name} already exists; pass --force to replace it")
    for name, text in files.items():
        write_file(out / name, text.encode(), force=args.force)
    measures = sum(len(s.measures) for s in starter.sources)
    print(
        f"wrote {out / 'sources.toml'} ({len(starter.sources)} sources, {measures} measures) "
        f"and {out / 'metrics.toml'} ({measures} metrics) from {starter.where}"
    )
    registry = load_registry(out)
    problems = database_problems(registry.sources_file, engine, registry.files)
    if problems:
        raise ConfigError(problems)
    print(
        "bridge validate: OK. Next: review each '# guessed' line and fill each TODO, then "
        f"`BRIDGE_CONFIG_DIR={out} bridge validate` and `make run`."
    )
    return EXIT_OK


def cmd_metrics(args: argparse.Namespace, settings: Settings) -> int:
    from bridge.config.registry import load_registry
    from bridge.translate.lineage import formula

    registry = load_registry(settings.config_dir)
    frame = pl.DataFrame(
        [
            {
                "id": m.id,
                "kind": m.kind,
                "label": m.label,
                "formula": formula(registry, m.id),
                "unit": f"currency ({registry.currency.code})" if m.unit == "currency" else m.unit,
                "direction": m.direction,
                "owner": m.owner,
                "lenses": ",".join(m.lenses),
                "decisions": ",".join(m.decisions),
                "version": m.version,
                "effective_from": m.effective_from,
            }
            for m in registry.metrics.values()
        ]
    )
    _emit(frame, args.format)
    return EXIT_OK


def cmd_view(args: argparse.Namespace, settings: Settings) -> int:
    from bridge.translate.drivers import attribute, top_drivers
    from bridge.translate.request import DriversRequest, resolve
    from bridge.translate.views import build_view

    raw = RawRequest(
        metric=args.metric,
        decision=args.decision,
        grain=args.grain,
        compare=args.compare,
        unit=args.business_unit,
        as_of=args.as_of,
    )
    if args.top is not None and (args.view != "drivers" or args.top < 1):
        raise BridgeError("--top takes a number of at least 1, and only with `view drivers`")
    opened = _open(settings, max_age=settings.cache_ttl_seconds, as_user=args.as_user)
    request = resolve(args.view, raw, opened.registry, opened.coverage)
    # one view, then the process ends: roll up only the measures it reads (the app shares them all)
    dataset = dataclasses.replace(opened.dataset, one_view=True)
    frame = build_view(request, dataset, opened.registry)
    if isinstance(request, DriversRequest) and frame.is_empty():  # say why there is no split
        reason = attribute(
            dataset, opened.registry, request.metric.id, request.grain,
            request.data_end, request.compare, request.unit,
        ).reason  # fmt: skip
        print(f"no attribution: {reason or 'no value in one of the two windows'}", file=sys.stderr)
    if args.format == "table":  # for people; CSV and JSON stay data only
        print(_data_line(opened, request.unit, request.as_of))
    _emit(frame if args.top is None else top_drivers(frame, args.top), args.format)
    _audit(settings, opened.grant, "export", f"bridge view {args.view} ({args.format})")
    return EXIT_OK


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from bridge.data.state import list_records, open_state
    from bridge.output import write_file
    from bridge.present.export import brief_html
    from bridge.translate.request import resolve
    from bridge.translate.review import review

    opened = _open(settings, max_age=settings.cache_ttl_seconds, as_user=args.as_user)
    request = resolve("overview", RawRequest(as_of=args.as_of), opened.registry, opened.coverage)
    end = request.data_end
    state = open_state(settings.state_url, timeout_seconds=settings.query_timeout_seconds)
    decisions = list_records(
        state,
        units=opened.grant.units,
        teams=opened.dataset.org.get_column("team_id").to_list(),
    )
    html = brief_html(
        opened.dataset,
        opened.registry,
        end,
        decisions,
        review(decisions, opened.dataset, opened.registry, end),
    )
    out: Path = args.out
    write_file(out, html.encode("utf-8"), force=args.force)  # all or nothing, never via a link
    print(f"wrote the executive brief for data before {end} to {out} ({len(html) // 1024:,} KiB)")
    _audit(settings, opened.grant, "export", f"the executive brief for data before {end}")
    return EXIT_OK


def cmd_audit(args: argparse.Namespace, settings: Settings) -> int:
    """The audit trail, newest first; with an access policy, only for a role with ``audit``."""
    from bridge.config.access import ACCESS_FILE
    from bridge.config.registry import load_registry
    from bridge.data.state import list_audit, open_state

    registry = load_registry(settings.config_dir)
    person = _grant(settings, registry, args.as_user)
    if not person.audit:
        raise BridgeError(
            f"{args.as_user} may not read the audit trail: no role of theirs in "
            f"{settings.config_dir / ACCESS_FILE} has audit = true"
        )
    state = open_state(settings.state_url, timeout_seconds=settings.query_timeout_seconds)
    events = list_audit(state, since=args.since, limit=args.limit)
    _audit(settings, person, "export", "the audit trail")  # after reading: the next read shows it
    _emit(events, args.format)
    return EXIT_OK


def cmd_refresh(args: argparse.Namespace, settings: Settings) -> int:
    opened = _open(settings, full=args.full)
    stats, dataset = opened.refresh, opened.dataset
    read = "all days" if stats.read_from is None else f"the days from {stats.read_from} on"
    print(
        f"{stats.mode} refresh: read {read} from the database, kept {stats.cached_rows:,} cached "
        f"rows; {dataset.measures.height:,} measure rows (data {dataset.first_day} to "
        f"{dataset.last_day}) in {settings.cache_dir}"
    )
    return EXIT_OK


def cmd_sample(args: argparse.Namespace, settings: Settings) -> int:
    from bridge.data.urls import safe_url
    from bridge.sample import DEFAULT_SEED, generate

    if args.database_url:
        url, where = args.database_url, safe_url(args.database_url)
    else:
        out: Path = args.out or Path("sample_data/sample.sqlite")
        if args.if_missing and out.exists():
            print(f"sample database already at {out} (use --replace to regenerate)")
            return EXIT_OK
        url, where = f"sqlite:///{out}", str(out)
    as_of = args.as_of or dt.date.today()
    seed = DEFAULT_SEED if args.seed is None else args.seed
    try:
        summary = generate(url, seed=seed, as_of=as_of, events=args.events, replace=args.replace)
    except FileExistsError as exc:
        if args.if_missing:
            print(f"sample tables already in {where} (use --replace to regenerate)")
            return EXIT_OK
        raise BridgeError(f"{exc}; use --replace to drop and regenerate them") from None
    rows = sum(summary.row_counts.values())
    print(
        f"wrote {rows:,} rows ({summary.row_counts['orders']:,} orders) to {where} "
        f"(seed {seed}, data {summary.start} to {summary.end}) in {summary.seconds:.1f} s"
    )
    return EXIT_OK


def _data_line(opened: Opened, unit: str | None, as_of: dt.date) -> str:
    from bridge.present.format import data_line

    registry, coverage = opened.registry, opened.coverage
    return data_line(
        unit or registry.company,
        coverage.last_day,
        as_of,
        coverage.default_as_of,
        registry.calendar.timezone,
    )


def _emit(frame: pl.DataFrame, fmt: str) -> None:
    if fmt == "json":
        print(frame.write_json())
    elif fmt == "csv":
        buffer = io.StringIO()
        frame.write_csv(buffer)
        print(buffer.getvalue(), end="")
    else:
        with pl.Config(
            tbl_rows=200,
            tbl_cols=40,
            tbl_width_chars=200,
            fmt_str_lengths=60,
            tbl_hide_dataframe_shape=True,
        ):
            print(frame)


if __name__ == "__main__":
    raise SystemExit(main())
