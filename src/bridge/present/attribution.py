"""A drivers view (:mod:`bridge.translate.drivers`) in words and in steps: the sentence that says why a
number moved, and the steps of its bridge chart.

The sentence only says what the effects show: for a ratio, a negative total mix *is* volume moving
toward children whose rate is below the scope's; "better in every unit" is said only when every rate
effect is positive. Names are people's (a team's name, not its id).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

import polars as pl

from bridge.present.format import NumberFormat

#: Steps a bridge chart draws before "all others".
TOP_STEPS = 6
OTHERS = "all others"


def amount(delta: NumberFormat, value: float) -> str:
    """A change as written, with up to two more decimals when the usual ones would show a change
    that is not zero as zero (``+0.03 pts``, not ``0.0 pts``)."""
    text = delta.value(value)
    for extra in (1, 2):
        if value == 0 or any(ch in "123456789" for ch in text):
            break
        text = delta.value(value, delta.decimals + extra)
    return text


def delta_format(number: NumberFormat) -> NumberFormat:
    """How a change of a metric is written: signed, and in points for a percentage."""
    unit = "points" if number.unit == "percent" else number.unit
    return replace(number, unit=unit, signed=True, decimals=max(number.decimals, 1))


@dataclass(frozen=True)
class Step:
    """One bar of a bridge chart: what it is, its size, and the unit a click drills into."""

    label: str
    value: float
    unit: str = ""


def _label(row: Mapping[str, object], names: Mapping[str, str]) -> str:
    child = str(row["child"])
    name = names.get(child, child)
    kind, via = row["effect"], row["input"]
    if kind in ("rate", "mix"):
        return f"{name} · {kind}"
    return f"{name} · {via}" if via else name


def steps(
    view: pl.DataFrame, names: Mapping[str, str], units: Mapping[str, str], top: int = TOP_STEPS
) -> list[Step]:
    """The largest effects as steps, the rest summed into one; ``units`` maps a child to the
    business unit a click on it opens."""
    rows = list(view.sort("rank").iter_rows(named=True))
    shown = [
        Step(_label(r, names), float(r["contribution"]), units.get(str(r["child"]), ""))
        for r in rows[:top]
    ]
    rest = math.fsum(float(r["contribution"]) for r in rows[top:])
    if len(rows) > top:
        shown.append(Step(OTHERS, rest))
    return shown


def sentence(
    view: pl.DataFrame,
    label: str,
    delta: NumberFormat,
    against: str,
    names: Mapping[str, str],
    children: str = "units",
) -> str:
    """One sentence: the change, and what drove it (empty view: nothing to say)."""
    if view.is_empty():
        return ""
    change = math.fsum(view.get_column("contribution"))
    head = f"{label} {amount(delta, change)} vs {against}"
    kinds = set(view.get_column("effect"))
    if kinds & {"rate", "mix"}:
        return head + ": " + _ratio_words(view, delta, names, children) + "."
    by_child: dict[str, float] = {}
    for r in view.iter_rows(named=True):
        child = names.get(str(r["child"]), str(r["child"]))
        by_child[child] = by_child.get(child, 0.0) + float(r["contribution"])
    ordered = sorted(by_child.items(), key=lambda kv: -abs(kv[1]))
    parts = [f"{child} {amount(delta, effect)}" for child, effect in ordered[:2]]
    if len(ordered) > 2:
        parts.append(f"{OTHERS} {amount(delta, math.fsum(e for _, e in ordered[2:]))}")
    return head + ": " + ", ".join(parts) + "."


def _ratio_words(
    view: pl.DataFrame, delta: NumberFormat, names: Mapping[str, str], children: str
) -> str:
    rate = view.filter(pl.col("effect") == "rate")
    mix = view.filter(pl.col("effect") == "mix")
    rate_total, mix_total = (
        math.fsum(rate.get_column("contribution")),
        math.fsum(mix.get_column("contribution")),
    )
    top_mix = mix.sort(pl.col("contribution").abs(), descending=True).row(0, named=True)
    toward = "lower" if mix_total < 0 else "higher"
    mix_words = (
        f"mix {amount(delta, mix_total)} (volume moved toward {children} with {toward} rates; "
        f"largest mix effect {names.get(top_mix['child'], top_mix['child'])} "
        f"{amount(delta, top_mix['contribution'])})"
    )
    effects = [e for e in rate.get_column("contribution") if e != 0]
    if len(effects) > 1 and all(e > 0 for e in effects):
        how = f"better in every one of the {len(effects)} {children}"
    elif len(effects) > 1 and all(e < 0 for e in effects):
        how = f"worse in every one of the {len(effects)} {children}"
    else:
        top_rate = rate.sort(pl.col("contribution").abs(), descending=True).row(0, named=True)
        how = f"largest {names.get(top_rate['child'], top_rate['child'])} " + amount(
            delta, top_rate["contribution"]
        )
    rate_words = f"rates {amount(delta, rate_total)} ({how})"
    if abs(mix_total) >= abs(rate_total):
        return (
            f"{mix_words}, {'outweighing' if mix_total * rate_total < 0 else 'with'} {rate_words}"
        )
    return f"{rate_words}, {'outweighing' if mix_total * rate_total < 0 else 'with'} {mix_words}"
