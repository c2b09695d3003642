"""Reading one config file: TOML within bounded limits, then its pydantic model, problems located.

Every way a file can be wrong becomes a :class:`~bridge.errors.Problem` (never an exception): missing,
unreadable, too large, nested too deep, invalid TOML, or values of the wrong shape. Pydantic's error
locations become :class:`~bridge.errors.Location` steps, named by each list item's ``id`` or ``name``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bridge.errors import Location, Problem, Step

M = TypeVar("M", bound=BaseModel)

#: Bounds on what a config file may be (documented in docs/config.md): a real config is a few KiB.
MAX_FILE_BYTES = 1_000_000
MAX_NESTING = 32

#: A file's TOML data: ``{}`` when the file is absent, None when it cannot be read.
Raw = dict[str, Any] | None


def read_toml(path: Path, problems: list[Problem], *, required: bool) -> Raw:
    """The file's TOML data; ``{}`` for an absent optional file; None (with a problem) otherwise."""
    where = Location(str(path))
    if not path.exists():
        if required:
            problems.append(
                Problem(
                    where,
                    "a TOML file here (it is required)",
                    "no such file",
                    "copy the shipped config/ folder and edit it",
                )
            )
            return None
        return {}
    try:
        raw = path.read_bytes()
        if len(raw) > MAX_FILE_BYTES:
            problems.append(
                Problem(
                    where, f"a config file of at most {MAX_FILE_BYTES:,} bytes", f"{len(raw):,}"
                )
            )
            return None
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(where, "a readable UTF-8 text file", str(exc)))
        return None
    depth = nesting(text)
    if depth > MAX_NESTING:
        problems.append(
            Problem(
                where,
                f"arrays and inline tables nested at most {MAX_NESTING} levels deep",
                f"{depth} levels",
            )
        )
        return None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problems.append(Problem(where, "valid TOML", f"a syntax error: {exc}"))
        return None


def nesting(text: str) -> int:
    """The deepest nesting of ``[`` and ``{`` outside strings and comments (a cheap upper bound)."""
    depth = deepest = 0
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif char in "\"'":
            quote = text[i : i + 3] if text[i : i + 3] in ('"""', "'''") else char
            j = i + len(quote)
            while j < n and text[j : j + len(quote)] != quote:
                j += 2 if char == '"' and text[j] == "\\" else 1
            i = j + len(quote) - 1
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(depth - 1, 0)
        i += 1
    return deepest


def validate(
    path: Path, raw: Mapping[str, Any], model: type[M], problems: list[Problem]
) -> M | None:
    """``raw`` as ``model``; on failure append its located problems and return None."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems.extend(problems_from_validation(str(path), exc, raw))
        return None
    except RecursionError:  # pragma: no cover - nesting() bounds the depth of what reaches here
        problems.append(
            Problem(Location(str(path)), "a shallower file", "values nested too deeply")
        )
        return None


_EXAMPLES = {
    "id": "on_time_rate",
    "name": "revenue",
    "agg": 'agg = "sum"',
    "unit": 'unit = "currency"',
    "direction": 'direction = "higher_is_better"',
    "effective_from": "effective_from = 2024-01-01",
    "kind": 'kind = "ratio"',
}


def problems_from_validation(
    where: str, exc: ValidationError, data: Mapping[str, Any]
) -> list[Problem]:
    """Turn pydantic's errors into located problems, e.g. ``metrics[2] (id='margin').unit``."""
    found: list[Problem] = []
    errors = exc.errors(include_url=False)
    item_locs = [tuple(e["loc"]) for e in errors]
    for err in errors:
        loc = tuple(err["loc"])
        # "at least 1 item ... not 0" only echoes that every item was invalid: the items say why.
        if err["type"] == "too_short" and any(o[: len(loc)] == loc and o != loc for o in item_locs):
            continue
        if err["type"] == "union_tag_invalid":
            loc = (*loc, "kind")
            err = {**err, "loc": loc, "input": err.get("ctx", {}).get("tag")}
        expected, shown = _expected_found(err)
        last = next((p for p in reversed(err["loc"]) if isinstance(p, str)), "")
        found.append(
            Problem(Location(where, steps(loc, data)), expected, shown, _EXAMPLES.get(last))
        )
    return found


def steps(loc: Sequence[int | str], data: Any) -> tuple[Step, ...]:
    """Pydantic's ``loc`` as steps through ``data``, each list item named by its id or name."""
    out: list[Step] = []
    node = data
    for i, key in enumerate(loc):
        final = i == len(loc) - 1
        if isinstance(key, int) and isinstance(node, list) and 0 <= key < len(node):
            node = node[key]
            name, ident = _name_of(node)
            out.append(Step(key, name, ident))
        elif isinstance(key, str) and isinstance(node, dict) and key in node:
            node = node[key]
            out.append(Step(key))
        elif isinstance(key, str) and not final and isinstance(node, dict):
            continue  # a discriminated-union tag (e.g. 'ratio'), not a key of the data
        else:
            out.append(Step(key))
    return tuple(out)


def _name_of(node: object) -> tuple[str | None, str]:
    if isinstance(node, dict):
        for ident in ("id", "name"):
            if isinstance(node.get(ident), str):
                return node[ident], ident
    return None, "id"


def _expected_found(err: Mapping[str, Any]) -> tuple[str, str]:
    kind, msg, value = err["type"], str(err["msg"]), err.get("input")
    shown = _short(value)
    if kind == "missing":
        return "this key (it is required)", "nothing"
    if kind == "extra_forbidden":
        return "only known keys (check the spelling)", f"an unknown key with value {shown}"
    if kind == "string_pattern_mismatch":
        pattern = str(err.get("ctx", {}).get("pattern", ""))
        if pattern.startswith("^[A-Za-z_]"):
            return "a table or column name of letters, digits, _ or $ (no spaces or quotes)", shown
        return "an id of lowercase letters, digits and underscores starting with a letter", shown
    if kind == "union_tag_invalid":
        tags = err.get("ctx", {}).get("expected_tags", "")
        return f"kind to be one of {tags}", shown
    if kind == "union_tag_not_found":
        return "a 'kind' key naming the variant", "no 'kind' key"
    if msg.startswith("Value error, "):
        return msg.removeprefix("Value error, "), shown
    if msg.startswith("Input should be "):
        return msg.removeprefix("Input should be "), shown
    return msg[0].lower() + msg[1:], shown


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
