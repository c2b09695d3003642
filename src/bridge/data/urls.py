"""Database URLs as people may see them: every URL shown anywhere goes through :func:`safe_url`.

Drivers accept a password in two places: the user-info (``user:password@host``) and query parameters
(``?password=…``, ``passwd``, ``sslpassword`` …); Spark Connect takes a token among ``;``-separated
parameters in the path (``sc://host:15002/;token=…``). All are hidden. A URL whose user-info holds a
second ``@`` (an unencoded ``@`` in the password) is ambiguous — the parser would take part of the
password for the host — so it is refused with a message saying how to encode it, never parsed.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import SecretStr
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from bridge.errors import BridgeError

HIDDEN = "***"
#: Query parameters that hold a secret in some driver (compared case-insensitively).
SECRET_PARAMETERS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "pass",
        "sslpassword",
        "sslkey_password",
        "secret",
        "token",
        "access_token",
        "api_key",
        "apikey",
        "private_key_passphrase",
    }
)
_AUTHORITY = re.compile(r"^[A-Za-z][\w+.-]*://([^/?#]*)")


class UrlError(BridgeError):
    """A database URL cannot be used as written (the message never repeats its secret parts)."""


def raw_text(url: str | SecretStr | URL) -> str:
    if isinstance(url, SecretStr):
        return url.get_secret_value()
    if isinstance(url, URL):
        return url.render_as_string(hide_password=False)
    return url


def parse_url(url: str | SecretStr | URL, what: str = "database URL") -> URL:
    """A SQLAlchemy URL, or :class:`UrlError` saying what is wrong without showing a secret."""
    if isinstance(url, URL):
        return url
    text = raw_text(url)
    authority = _AUTHORITY.match(text)
    if authority and authority.group(1).count("@") > 1:
        raise UrlError(
            f"the {what} has more than one '@' before the host ({_scheme(text)}://…), so its "
            "password cannot be told from its host; write '@' in a password as %40 "
            "(e.g. postgresql+psycopg://bob:p%40ss@db:5432/sales)"
        )
    try:
        return make_url(text)
    except (ArgumentError, ValueError):
        raise UrlError(
            f"the {what} ({_scheme(text)}://…) is not a SQLAlchemy URL; expected e.g. "
            "postgresql+psycopg://user:password@host:5432/dbname"
        ) from None


def safe_url(url: str | SecretStr | URL) -> str:
    """The URL with every password hidden, e.g. ``postgresql://bob:***@db/sales?sslpassword=***``.

    >>> safe_url("postgresql://bob:hunter2@db/sales?sslmode=require&password=x")
    'postgresql://bob:***@db/sales?password=***&sslmode=require'
    """
    try:
        parsed = parse_url(url)
    except UrlError:
        return f"{_scheme(raw_text(url))}://<URL not shown>"
    query = {
        key: (HIDDEN if key.lower() in SECRET_PARAMETERS else value)
        for key, value in parsed.query.items()
    }
    name, params = _path_parameters(parsed)
    if params:  # Spark Connect: sc://host:port/;token=…;user_id=…
        hidden = [
            f"{key}={HIDDEN}" if key.strip().lower() in SECRET_PARAMETERS else f"{key}={value}"
            for key, value in params
        ]
        # rendered as written: SQLAlchemy would percent-encode the ';' and '='
        bare = parsed.set(query=query)._replace(database=None)
        head, _, tail = bare.render_as_string(hide_password=True).partition("?")
        return f"{head}/{';'.join([name, *hidden])}" + (f"?{tail}" if tail else "")
    return parsed.set(query=query).render_as_string(hide_password=True)


def secrets_of(url: str | SecretStr | URL) -> tuple[str, ...]:
    """The secret strings a URL holds (to scrub them from a driver's message)."""
    try:
        parsed = parse_url(url)
    except UrlError:
        return ()
    found = [parsed.password] if parsed.password else []
    for key, value in parsed.query.items():
        if key.lower() in SECRET_PARAMETERS:
            found.extend([value] if isinstance(value, str) else list(value))
    found.extend(
        v for k, v in _path_parameters(parsed)[1] if k.strip().lower() in SECRET_PARAMETERS
    )
    return tuple(str(s) for s in found if s)


def _path_parameters(parsed: URL) -> tuple[str, list[tuple[str, str]]]:
    """The database of a URL, and the ``;key=value`` parameters after it (Spark Connect's)."""
    name, *params = (parsed.database or "").split(";")
    return name, [(key, value) for key, _, value in (p.partition("=") for p in params)]


def describe_error(exc: BaseException, url: str | SecretStr | URL | None = None) -> str:
    """The first line of a database error (the driver's own words), with the URL's secrets hidden."""
    origin: Any = getattr(exc, "orig", None) or exc
    lines = str(origin).strip().splitlines()
    text = lines[0] if lines else type(exc).__name__
    for secret in secrets_of(url) if url is not None else ():
        text = text.replace(secret, HIDDEN)
    return text


def _scheme(text: str) -> str:
    return text.split(":", 1)[0][:40] if ":" in text else "?"
