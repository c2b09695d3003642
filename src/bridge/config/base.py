"""Common ground of every spec model: frozen, strict about unknown keys, identifiers checked."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

#: An id people type in config and URLs: lowercase letters, digits and underscores, starting with a letter.
Identifier = Annotated[
    str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$", strip_whitespace=False)
]
#: A table or column name in the source database (letters, digits, underscores; no quoting tricks).
SqlName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_$]{0,127}$")]


class Spec(BaseModel):
    """Base of all config models: immutable and refusing unknown keys (a typo is an error, not a no-op)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)
