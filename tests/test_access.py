"""Who may see and decide what: the access policy, the scope filtered in the SQL, the command line
(``--as-user``), decision records and the audit trail. The browser's side is tests/test_signin.py."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_series_equal

from bridge.app.cli import main
from bridge.config.access import (
    AccessDenied,
    AccessFile,
    Identity,
    ProxySignIn,
    grant,
    load_access,
)
from bridge.config.registry import Registry, load_registry
from bridge.data.load import load_dataset, measure_query, open_source, reflect
from bridge.data.state import audit, list_audit, list_records, open_state, record
from bridge.dataset import OTHER_UNITS
from bridge.errors import ConfigError
from bridge.records import parse_input
from tests.access import (
    CEO,
    COMPANY_LEAD,
    LEAD,
    OWN_UNIT,
    PROXY,
    VIEWER,
    access_config,
    forbidden_numbers,
    leaked,
    other_units,
)
from tests.conftest import AS_OF
from tests.databases import small_company


@pytest.fixture
def policy_dir(tmp_path: Path) -> Path:
    return access_config(tmp_path / "config", PROXY.format(proxies="127.0.0.1"))


@pytest.fixture
def cli_env(
    policy_dir: Path,
    sample_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    clean_settings: None,
) -> Path:
    monkeypatch.setenv("BRIDGE_SOURCE_URL", sample_url)
    monkeypatch.setenv("BRIDGE_CONFIG_DIR", str(policy_dir))
    monkeypatch.setenv("BRIDGE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("BRIDGE_STATE_URL", f"sqlite:///{tmp_path / 'state.sqlite'}")
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# --- the policy ------------------------------------------------------------------------------------


def test_policy_problems_are_listed_at_once(policy_dir: Path) -> None:
    (policy_dir / "access.toml").write_text(
        """
[sign_in]
mode = "proxy"
proxies = ["127.0.0.1", "not-an-address"]

[roles.lead]
units = []
emails = ["not an address"]

[roles.Exec]
units = "all"
"""
    )
    registry = load_registry(policy_dir)
    with pytest.raises(ConfigError) as caught:
        load_access(policy_dir, registry.decisions)
    text = str(caught.value)
    assert text.startswith("4 problems in the Bridge configuration:"), text
    assert "sign_in.proxies" in text and "'not-an-address' is not an IP address" in text
    assert "roles.lead.units" in text
    assert "'not an address' is not an e-mail address" in text
    assert "roles.Exec" in text  # a role name is an identifier
    assert str(policy_dir / "access.toml") in text


def test_decisions_name_an_existing_role(policy_dir: Path) -> None:
    decisions = policy_dir / "decisions.toml"
    text = decisions.read_text().replace('role = "unit_lead"', 'role = "unit_leed"', 1)
    decisions.write_text(text.replace('role = "executive"\n', "", 1))
    registry = load_registry(policy_dir)
    with pytest.raises(ConfigError) as caught:
        load_access(policy_dir, registry.decisions)
    problems = caught.value.problems
    assert [p.entry for p in problems] == [
        "decisions[0] (id='bet').role",
        "decisions[2] (id='stop').role",
    ]
    assert problems[0].example == 'role = "executive"'
    assert "'unit_leed'" in problems[1].found
    assert all(p.file == str(policy_dir / "decisions.toml") for p in problems)


def test_no_policy_is_the_demo(registry: Registry, tmp_path: Path) -> None:
    assert load_access(registry.config_dir, registry.decisions) is None


def test_a_grant_is_the_union_of_the_roles_naming_a_person(policy_dir: Path) -> None:
    registry = load_registry(policy_dir)
    policy = load_access(policy_dir, registry.decisions)
    assert policy is not None
    where = "access.toml"
    lead = grant(policy, registry.decisions, Identity.of(LEAD.upper()), where=where)
    assert lead.units == frozenset({OWN_UNIT}) and not lead.understand and not lead.audit
    assert lead.decisions == frozenset({"stop"})
    assert lead.scope_label("Northwind Group") == "Retail Stores (your business units)"
    both = grant(policy, registry.decisions, Identity.of(LEAD, "bizops, other"), where=where)
    assert both.units is None and both.understand and both.audit
    assert both.roles == ("bizops", "unit_lead")
    viewer = grant(policy, registry.decisions, Identity.of(VIEWER), where=where)
    assert viewer.units is None and viewer.decisions == frozenset()
    assert not viewer.may_record(registry.decisions["bet"])
    with pytest.raises(AccessDenied, match=r"no role in access\.toml names someone@else\.example"):
        grant(
            policy,
            registry.decisions,
            Identity.of("someone@else.example", ["bizopps"]),
            where=where,
        )


def test_a_proxy_is_trusted_only_from_its_addresses() -> None:
    proxy = ProxySignIn(mode="proxy", proxies=("10.0.0.0/24", "::1"))
    assert proxy.trusts("10.0.0.7") and proxy.trusts("::1")
    assert not proxy.trusts("10.0.1.7")
    assert not proxy.trusts("127.0.0.1")
    assert not proxy.trusts(None) and not proxy.trusts("") and not proxy.trusts("evil")
    assert (
        AccessFile.model_validate(
            {"sign_in": {"mode": "oidc"}, "roles": {"x": {"units": "all"}}}
        ).sign_in.mode
        == "oidc"
    )


# --- the scope, filtered in the SQL --------------------------------------------------------------------


def test_a_scoped_load_reads_only_its_units_teams(
    registry: Registry, sample_url: str, sample_dataset: pl.DataFrame
) -> None:
    engine = open_source(sample_url)
    scoped = load_dataset(engine, registry, units=frozenset({OWN_UNIT}))
    teams = set(scoped.org.get_column("team_id"))
    everything = sample_dataset  # loaded without a scope
    own = everything.org.filter(pl.col("business_unit") == OWN_UNIT)
    assert teams == set(own.get_column("team_id")) and teams
    assert set(scoped.measures.get_column("team_id")) <= teams
    keys = ["day", "team_id", "measure"]
    expected = everything.measures.filter(pl.col("team_id").is_in(list(teams))).sort(keys)
    found = scoped.measures.sort(keys)
    # the same rows (every day, team and measure), with the same values up to the order in which
    # the database added a day's events: the scoped query searches the team index, the full
    # load's slices the time index (4 of 81,588 sums differed in their last bit on the sample)
    assert found.drop("value").equals(expected.drop("value"))
    assert_series_equal(found["value"], expected["value"], check_exact=False, rel_tol=1e-12)
    assert set(scoped.targets.get_column("team_id")) <= teams
    assert set(scoped.plan.get_column("business_unit")) == {OWN_UNIT}
    assert scoped.units == (OWN_UNIT,)


def test_a_lead_with_the_company_total_gets_the_rest_as_one_line(
    registry: Registry, sample_url: str, sample_dataset: pl.DataFrame
) -> None:
    """The other units come summed by the database into one line: the company's totals and plan
    are exactly the full load's, and no other unit's team is in the data."""
    engine = open_source(sample_url)
    scoped = load_dataset(engine, registry, units=frozenset({OWN_UNIT}), company=True)
    everything = sample_dataset
    own = set(everything.org.filter(pl.col("business_unit") == OWN_UNIT).get_column("team_id"))
    assert scoped.units == (OTHER_UNITS, OWN_UNIT)
    assert set(scoped.measures.get_column("team_id")) == own | {OTHER_UNITS}
    additive = [m.name for s in registry.sources for m in s.measures if m.agg in ("sum", "count")]

    def totals(frame: pl.DataFrame) -> pl.DataFrame:
        return (
            frame.filter(pl.col("measure").is_in(additive))
            .group_by("day", "measure")
            .agg(pl.col("value").sum())
            .sort("day", "measure")
        )

    expected, found = totals(everything.measures), totals(scoped.measures)
    assert expected.select("day", "measure").equals(found.select("day", "measure"))
    gap = (expected.get_column("value") - found.get_column("value")).abs()
    assert gap.max() < 1e-6 * expected.get_column("value").abs().max()

    def plan(frame: pl.DataFrame) -> pl.DataFrame:
        keys = ["metric_id", "period_start", "period_end"]
        return frame.group_by(keys).agg(pl.col("value").sum()).sort(keys)

    assert plan(everything.plan).drop("value").equals(plan(scoped.plan).drop("value"))
    assert (plan(everything.plan)["value"] - plan(scoped.plan)["value"]).abs().max() < 1e-6
    assert set(scoped.plan.get_column("business_unit")) == {OWN_UNIT, OTHER_UNITS}


def test_units_missing_from_the_org_table_are_said(
    cli_env: Path, capsys: pytest.CaptureFixture[str], policy_dir: Path
) -> None:
    """A role naming units the org table lacks gets a message (at every entrance: the loader says
    it), never a page of empty numbers."""
    access = policy_dir / "access.toml"
    access.write_text(
        access.read_text().replace(f'units = ["{OWN_UNIT}"]', 'units = ["Retial"]', 1)
    )
    code, out, err = run(capsys, "view", "horizon", "--as-user", LEAD)
    assert code == 1 and out == ""
    assert err == (
        "error: none of the business units this person may see (Retial) is in the org table; "
        "ask whoever keeps the access policy\n"
    )


def test_the_scope_is_in_the_sql(registry: Registry, sample_url: str) -> None:
    engine = open_source(sample_url)
    source = registry.sources[0]
    with engine.connect() as conn:
        table = reflect(conn, source.table, None)
    query = measure_query(source, table, teams=["ret-online", "ret-stores-south"])
    sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
    assert "orders.team_id IN ('ret-online', 'ret-stores-south')" in sql


@pytest.mark.parametrize("dialect", ["postgresql", "mariadb"])
def test_a_scoped_load_agrees_on_the_servers(
    dialect: str, registry: Registry, tmp_path: Path
) -> None:
    with (
        small_company("sqlite", "scope_lite", tmp_path) as lite,
        small_company(dialect, "bridge_scope", tmp_path) as url,
    ):
        units = frozenset({OWN_UNIT, "Marketplace"})
        expected = load_dataset(open_source(lite), registry, units=units)
        found = load_dataset(open_source(url), registry, units=units)
    assert found.units == expected.units == tuple(sorted(units))
    key = ["day", "team_id", "measure"]
    left, right = expected.measures.sort(key), found.measures.sort(key)
    assert left.select(key).equals(right.select(key))
    assert (left.get_column("value") - right.get_column("value")).abs().max() < 1e-6


# --- the command line ------------------------------------------------------------------------------------


def test_the_cli_needs_a_person_when_sign_in_is_on(
    cli_env: Path, capsys: pytest.CaptureFixture[str], policy_dir: Path
) -> None:
    code, out, err = run(capsys, "view", "horizon")
    assert code == 1 and out == ""
    assert err == (
        f"error: {policy_dir / 'access.toml'} turns sign-in on: say whose view this is with "
        "--as-user EMAIL (only what that person may see is read)\n"
    )
    code, _, err = run(capsys, "view", "horizon", "--as-user", "nobody@else.example")
    assert code == 1 and "no role in" in err and "nobody@else.example" in err


def test_as_user_without_a_policy_is_refused(
    sample_url: str,
    monkeypatch: pytest.MonkeyPatch,
    clean_settings: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("BRIDGE_SOURCE_URL", sample_url)
    code, _, err = run(capsys, "view", "horizon", "--as-user", LEAD)
    assert code == 1 and "--as-user needs an access policy" in err


def test_validate_reports_the_access_policy(
    cli_env: Path, capsys: pytest.CaptureFixture[str], policy_dir: Path
) -> None:
    code, out, _ = run(capsys, "validate")
    assert code == 0 and out.rstrip().endswith("sign-in is on (5 roles)")
    (policy_dir / "access.toml").write_text('[sign_in]\nmode = "ldap"\n')
    code, out, err = run(capsys, "validate")
    assert code == 1 and "sign_in" in err and "roles" in err


def test_a_unit_lead_sees_no_other_units_number_on_the_command_line(
    cli_env: Path, capsys: pytest.CaptureFixture[str], sample_db: Path
) -> None:
    names, teams = other_units(sample_db)
    numbers = forbidden_numbers(sample_db)
    assert len(numbers) > 100  # the search below looks for something
    outputs: dict[str, str] = {}
    as_of = (AS_OF - dt.timedelta(days=0)).isoformat()
    for view, grains in {
        "horizon": ["month", "quarter", "year"],
        "frontline": ["day", "week"],
        "fix_now": ["week"],
        "drivers": [None],
        "tradeoff": [None],
        "consistency": [None, "year"],
    }.items():
        for grain in grains:
            for fmt in ("table", "csv", "json"):
                args = ["view", view, "--as-user", LEAD, "--format", fmt, "--as-of", as_of]
                args += ["--grain", grain] if grain else []
                code, out, err = run(capsys, *args)
                assert code == 0, err
                outputs[" ".join(args)] = out
    for decision in ("bet", "invest", "stop"):
        code, out, err = run(
            capsys, "view", "tradeoff", "--decision", decision, "--as-user", LEAD, "--format", "csv"
        )
        assert code == 0, err
        outputs[f"tradeoff {decision}"] = out
    brief = cli_env / "brief.html"
    code, _, err = run(capsys, "export", "brief", "--out", str(brief), "--as-user", LEAD)
    assert code == 0, err
    outputs["brief"] = brief.read_text()
    # the other units' names (and their teams') and numbers appear nowhere
    for what, text in outputs.items():
        assert not leaked(text, names | teams, numbers), (
            what,
            leaked(text, names | teams, numbers),
        )
    # ...and the search can fail: the CEO's same outputs hold them
    code, out, _ = run(capsys, "view", "horizon", "--as-user", CEO, "--format", "csv")
    assert code == 0 and leaked(out, names, numbers)
    # a business unit the lead may not see is refused like an unknown one
    code, out, err = run(
        capsys, "view", "horizon", "--as-user", LEAD, "--business-unit", "Marketplace"
    )
    assert code == 1 and err == (
        "error: unknown business unit 'Marketplace'; expected one of: Retail Stores\n"
    )


def test_a_lead_with_the_company_total_sees_no_other_unit_on_its_own(
    cli_env: Path, capsys: pytest.CaptureFixture[str], sample_db: Path
) -> None:
    names, teams = other_units(sample_db)
    numbers = forbidden_numbers(sample_db, company=False)
    with_company = forbidden_numbers(sample_db) - numbers  # the company's own totals
    outputs = []
    for view, grain in (
        ("horizon", "month"),
        ("horizon", "year"),
        ("drivers", None),
        ("tradeoff", None),
    ):
        args = ["view", view, "--as-user", COMPANY_LEAD, "--format", "csv"]
        code, out, err = run(capsys, *args, *(["--grain", grain] if grain else []))
        assert code == 0, err
        outputs.append(out)
    text = "\n".join(outputs)
    assert not leaked(text, names | teams, numbers), leaked(text, names | teams, numbers)[:5]
    assert "Northwind Group" in text and OTHER_UNITS in text
    assert leaked(text, set(), with_company)  # the company's totals are there
    # the combined line is no team: the frontline views list the lead's own teams only
    for view in ("frontline", "fix_now"):
        code, out, err = run(capsys, "view", view, "--as-user", COMPANY_LEAD, "--format", "csv")
        assert code == 0 and out and OTHER_UNITS not in out, (view, err)


def test_cli_exports_are_in_the_audit_trail(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "view", "horizon", "--as-user", LEAD, "--format", "csv")[0] == 0
    brief = cli_env / "brief.html"
    assert run(capsys, "export", "brief", "--out", str(brief), "--as-user", CEO)[0] == 0
    code, _, err = run(capsys, "audit", "--as-user", LEAD)
    assert code == 1 and "may not read the audit trail" in err
    # BizOps is a group role: the command line names people by e-mail, so the CEO... has no audit
    code, _, err = run(capsys, "audit", "--as-user", CEO)
    assert code == 1
    state = open_state(f"sqlite:///{cli_env / 'state.sqlite'}")
    events = list_audit(state)
    assert events.get_column("action").to_list() == ["export", "export"]
    assert events.get_column("who").to_list() == [
        f"{CEO} (command line)",
        f"{LEAD} (command line)",
    ]
    assert events.get_column("scope").to_list() == ["*", OWN_UNIT]
    assert events.get_column("detail")[1] == "bridge view horizon (csv)"


def test_bizops_reads_the_audit_trail(
    cli_env: Path, capsys: pytest.CaptureFixture[str], policy_dir: Path
) -> None:
    access = policy_dir / "access.toml"
    access.write_text(
        access.read_text().replace('groups = ["bizops"]', 'emails = ["ops@northwind.example"]')
    )
    state = open_state(f"sqlite:///{cli_env / 'state.sqlite'}")
    audit(state, "ada@x.example", "sign_in", "*", "via oidc", now=dt.datetime(2026, 11, 2, 9))
    code, out, err = run(capsys, "audit", "--as-user", "ops@northwind.example", "--format", "json")
    assert code == 0, err
    events = json.loads(out)
    assert [e["who"] for e in events] == ["ada@x.example"]  # reading it is audited after
    assert list_audit(state).get_column("detail")[0] == "the audit trail"


# --- decision records -----------------------------------------------------------------------------


def test_records_are_read_for_the_scope_only(
    registry: Registry, tmp_path: Path, sample_dataset: pl.DataFrame
) -> None:
    state = open_state(f"sqlite:///{tmp_path / 'state.sqlite'}")
    for uid, unit in (("record-a", OWN_UNIT), ("record-b", "Marketplace")):
        entry = parse_input(
            {
                "record_uid": uid,
                "decision_id": "bet",
                "scope_level": "business_unit",
                "scope": unit,
                "choice": "bet",
                "rationale": "r",
                "author": CEO,
                "decided_on": dt.date(2026, 11, 1),
                "metric_id": "revenue",
                "expected_direction": "up",
                "expected_value": None,
                "review_on": dt.date(2027, 5, 1),
            }
        )
        record(state, registry, sample_dataset.org, entry, now=dt.datetime(2026, 11, 1))
    assert list_records(state).height == 2
    own = list_records(state, units=frozenset({OWN_UNIT}))
    assert own.get_column("scope").to_list() == [OWN_UNIT]
    assert list_records(state, units=frozenset()).is_empty()


def test_every_access_key_is_documented() -> None:
    """docs/security.md's table names every key of access.toml (and no key that does not exist)."""
    from bridge.config.access import OidcSignIn, Role
    from tests.conftest import ROOT

    doc = (ROOT / "docs" / "security.md").read_text()
    keys = {f"sign_in.{k}" for k in (*OidcSignIn.model_fields, *ProxySignIn.model_fields)}
    keys |= {f"roles.<name>.{k}" for k in Role.model_fields}
    for key in keys:
        assert f"| `{key}` |" in doc, key
    import re

    documented = set(re.findall(r"^\| `((?:sign_in|roles\.<name>)\.[a-z_]+)` \|", doc, re.M))
    assert documented == keys
