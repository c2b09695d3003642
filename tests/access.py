"""An access policy for tests: the shipped config plus ``access.toml``, and one business unit's numbers
computed independently (plain SQL on the source), to search for where they must not appear."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

from tests.conftest import CONFIG_DIR

LEAD = "lead@northwind.example"  # unit_lead: Retail Stores only
CEO = "ceo@northwind.example"  # executive: everything, records 'bet' and 'invest'
BIZOPS_GROUP = "bizops"  # bizops: everything, plus Definitions, Data health and the audit trail
VIEWER = "viewer@northwind.example"  # viewer: every unit, records nothing
#: unit_lead_company: Retail Stores, and the company's total (the other units as one line)
COMPANY_LEAD = "lead+company@northwind.example"
OWN_UNIT = "Retail Stores"

POLICY = """\
[sign_in]
{sign_in}

[roles.executive]
units = "all"
emails = ["{ceo}"]

[roles.bizops]
units = "all"
understand = true
audit = true
groups = ["{bizops}"]

[roles.unit_lead]
units = ["{own}"]
emails = ["{lead}"]

[roles.viewer]
units = "all"
emails = ["{viewer}"]

[roles.unit_lead_company]
units = ["{own}"]
company = true
emails = ["{company_lead}"]
"""
PROXY = 'mode = "proxy"\nproxies = ["{proxies}"]'
OIDC = 'mode = "oidc"'


def access_config(folder: Path, sign_in: str) -> Path:
    """The shipped config in ``folder`` with sign-in on: 'bet' and 'invest' are the executive's,
    'stop' the unit lead's."""
    shutil.copytree(CONFIG_DIR, folder, dirs_exist_ok=True)
    decisions = folder / "decisions.toml"
    text = decisions.read_text()
    text = text.replace(
        'owner = "Dana Ortiz (CFO)"\n', 'owner = "Dana Ortiz (CFO)"\nrole = "executive"\n'
    )
    text = text.replace(
        'owner = "Sam Okafor (COO)"\n', 'owner = "Sam Okafor (COO)"\nrole = "unit_lead"\n'
    )
    decisions.write_text(text)
    (folder / "access.toml").write_text(
        POLICY.format(
            sign_in=sign_in,
            ceo=CEO,
            bizops=BIZOPS_GROUP,
            own=OWN_UNIT,
            lead=LEAD,
            viewer=VIEWER,
            company_lead=COMPANY_LEAD,
        )
    )
    return folder


def other_units(sample_db: Path) -> tuple[set[str], set[str]]:
    """The names of the units other than the lead's, and of their teams (from the org table)."""
    with sqlite3.connect(sample_db) as conn:
        rows = conn.execute(
            "SELECT business_unit, team_name FROM org_teams WHERE business_unit <> ?", (OWN_UNIT,)
        ).fetchall()
    return {u for u, _ in rows}, {t for _, t in rows}


def forbidden_numbers(sample_db: Path, *, company: bool = True) -> set[float]:
    """Revenue and order counts of every other unit, and of the company (which includes them;
    ``company=False``: left out, for a person who may see it), by month, quarter and year —
    written in plain SQL here."""
    found: set[float] = set()
    periods = {
        "month": "strftime('%Y-%m', o.ordered_at)",
        "quarter": "strftime('%Y', o.ordered_at) || ((CAST(strftime('%m', o.ordered_at) AS INT) + 2) / 3)",
        "year": "strftime('%Y', o.ordered_at)",
    }
    with sqlite3.connect(sample_db) as conn:
        for period in periods.values():
            for scope in ("t.business_unit", "'company'") if company else ("t.business_unit",):
                rows = conn.execute(
                    f"SELECT {scope}, {period}, SUM(o.revenue), COUNT(*) FROM orders o "
                    "JOIN org_teams t ON t.team_id = o.team_id "
                    f"WHERE {scope} <> ? GROUP BY 1, 2",
                    (OWN_UNIT,),
                ).fetchall()
                for _, _, revenue, count in rows:
                    found.update((float(revenue), float(count)))
    # small numbers (a count of 3) turn up everywhere for other reasons: only the distinctive ones
    return {v for v in found if abs(v) >= 10_000}


NUMBER = re.compile(r"-?\d[\d,]*\.?\d*(?:e[+-]?\d+)?")


def numbers_in(text: str) -> list[float]:
    """Every number written in ``text`` (thousands separators allowed, exponents too)."""
    out: list[float] = []
    for token in NUMBER.findall(text):
        try:
            out.append(float(token.replace(",", "")))
        except ValueError:
            continue
    return out


def leaked(text: str, names: set[str], numbers: set[float]) -> list[str]:
    """What of the other units ``text`` shows: their names, or their numbers (to 6 digits)."""
    found = [f"name {n!r}" for n in sorted(names) if n in text]
    wanted = sorted(numbers)
    for value in numbers_in(text):
        if abs(value) < 10_000:
            continue
        for other in wanted:
            if abs(value - other) <= 1e-6 * abs(other) + 0.005:
                found.append(f"number {value!r} (= {other!r})")
                break
    return found
