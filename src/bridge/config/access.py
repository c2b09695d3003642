"""Who may see and decide what: the access policy (``config/access.toml``) and what it grants a person.

Without ``access.toml`` Bridge is the local demo: nobody signs in and everyone who reaches it sees
everything. With it, a person is known by an :class:`Identity` (an e-mail address and groups, from an
OpenID Connect sign-in or from a trusted proxy's headers), and :func:`grant` turns it into a
:class:`Grant`: the business units whose numbers are read for them (filtered in the SQL, never
fetched and hidden), whether they see Definitions & lineage and Data health, which decisions they may
record or review, and whether they may read the audit trail. A person matched by no role is refused
(deny by default).

The file is checked like the others — every problem at once — and a decision's ``role`` in
``decisions.toml`` must name one of its roles. A broken ``access.toml`` stops the app (it never falls
back to showing everything).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator

from bridge.config.base import Identifier, Spec
from bridge.config.decisions import Decision
from bridge.config.parse import read_toml, validate
from bridge.errors import BridgeError, ConfigError, Location, Problem, Step

ACCESS_FILE = "access.toml"
#: A Streamlit header name or claim name (letters, digits, dashes and underscores).
HeaderName = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")]


class OidcSignIn(Spec):
    """Sign-in with OpenID Connect through Streamlit's ``st.login`` (the provider is configured in
    ``.streamlit/secrets.toml``, section ``[auth]``, or ``[auth.<provider>]``)."""

    mode: Literal["oidc"]
    provider: Identifier | None = None
    groups_claim: HeaderName = "groups"


class ProxySignIn(Spec):
    """The identity an authenticating reverse proxy (e.g. oauth2-proxy) puts in request headers —
    read only from a connection that comes from one of ``proxies`` (addresses or networks)."""

    mode: Literal["proxy"]
    proxies: tuple[str, ...] = Field(min_length=1)
    email_header: HeaderName = "X-Forwarded-Email"
    groups_header: HeaderName = "X-Forwarded-Groups"

    @field_validator("proxies")
    @classmethod
    def _networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"{item!r} is not an IP address or network (e.g. '127.0.0.1' or '10.0.0.0/8')"
                ) from None
        return value

    def trusts(self, address: str | None) -> bool:
        """Whether a connection from ``address`` comes from a configured proxy."""
        if not address:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in ipaddress.ip_network(net, strict=False) for net in self.proxies)


SignIn = Annotated[OidcSignIn | ProxySignIn, Field(discriminator="mode")]


class Role(Spec):
    """What the people of one role see and may do; they are named by e-mail or group.

    ``units``: ``"all"`` (the company and every business unit) or the business units whose numbers
    are read for them; ``company``: with some units, the company's total too (the other units as
    one line, summed by the database); ``understand``: the Definitions & lineage and Data health
    pages; ``audit``: reading the audit trail. Which decisions a role records is said by each
    decision's ``role``.
    """

    units: Literal["all"] | tuple[str, ...] = Field(min_length=1)
    company: bool = False
    understand: bool = False
    audit: bool = False
    emails: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()

    @field_validator("emails")
    @classmethod
    def _emails(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            if item.count("@") != 1 or item.startswith("@") or item.endswith("@"):
                raise ValueError(f"{item!r} is not an e-mail address (e.g. 'ada@example.com')")
        return tuple(item.lower() for item in value)


class AccessFile(Spec):
    """The whole of ``config/access.toml``."""

    sign_in: SignIn
    roles: dict[Identifier, Role] = Field(min_length=1)


# --- a person and what they get ------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """Who is asking: an e-mail address (lowercase) and the groups the identity provider gave."""

    email: str
    groups: frozenset[str] = frozenset()
    via: Literal["oidc", "proxy", "cli"] = "oidc"

    @classmethod
    def of(
        cls, email: str, groups: object = (), via: Literal["oidc", "proxy", "cli"] = "oidc"
    ) -> Identity:
        """From what a provider or proxy sent: groups as a list or a comma-separated string."""
        if isinstance(groups, str):
            names = [g.strip() for g in groups.split(",")]
        elif isinstance(groups, list | tuple | set | frozenset):
            names = [str(g).strip() for g in groups]
        else:
            names = []
        return cls(email.strip().lower(), frozenset(n for n in names if n), via)


class AccessDenied(BridgeError):
    """The person is not allowed what they asked for (the message says why and who to ask)."""


@dataclass(frozen=True)
class Grant:
    """What one person may see and do. ``units`` None means every unit and the company level;
    ``who`` None means nobody signed in (the local demo: everything, decisions signed by name)."""

    who: Identity | None
    roles: tuple[str, ...]
    units: frozenset[str] | None
    #: With some units: the company's total too (the other units as one line).
    company: bool
    understand: bool
    audit: bool
    decisions: frozenset[str] | None

    @classmethod
    def demo(cls) -> Grant:
        """No access policy: everything, as the local demo always was."""
        return cls(None, (), None, True, True, True, None)

    @property
    def scope_key(self) -> str:
        """The units whose numbers are read, as a cache key (``*`` for all)."""
        if self.units is None:
            return "*"
        return "|".join(sorted(self.units)) + ("|+company" if self.company else "")

    def may_record(self, decision: Decision) -> bool:
        return self.decisions is None or decision.id in self.decisions

    def scope_label(self, company: str) -> str:
        """What the top level is called: the company, or the units this person sees."""
        if self.units is None or self.company:
            return company
        return ", ".join(sorted(self.units)) + " (your business units)"


def grant(
    policy: AccessFile, decisions: Mapping[str, Decision], who: Identity, *, where: str
) -> Grant:
    """What ``who`` gets under ``policy``: the union of the roles naming their e-mail or a group.

    Raises :class:`AccessDenied` when no role names them.
    """
    names = tuple(
        name
        for name, role in policy.roles.items()
        if who.email in role.emails or who.groups & set(role.groups)
    )
    if not names:
        raise AccessDenied(
            f"no role in {where} names {who.email} or one of its groups "
            f"({', '.join(sorted(who.groups)) or 'none given'}); ask whoever keeps the access "
            "policy to add it"
        )
    roles = [policy.roles[name] for name in names]
    units: frozenset[str] | None = frozenset()
    for role in roles:
        if role.units == "all":
            units = None
            break
        units = (units or frozenset()) | frozenset(role.units)
    return Grant(
        who=who,
        roles=names,
        units=units,
        company=units is None or any(r.company for r in roles),
        understand=any(r.understand for r in roles),
        audit=any(r.audit for r in roles),
        decisions=frozenset(d.id for d in decisions.values() if d.role in names),
    )


# --- reading the file --------------------------------------------------------------------------


def load_access(config_dir: Path | str, decisions: Mapping[str, Decision]) -> AccessFile | None:
    """The access policy of a config folder (None when it has no ``access.toml``: the demo).

    Raises one :class:`ConfigError` listing every problem: the file's shape, and decisions whose
    ``role`` is missing or names no role of the file.
    """
    path = Path(config_dir) / ACCESS_FILE
    if not path.exists():
        return None
    problems: list[Problem] = []
    raw = read_toml(path, problems, required=True)
    policy = None if raw is None else validate(path, raw, AccessFile, problems)
    if policy is not None:
        problems.extend(decision_roles(policy, decisions, Path(config_dir)))
    if problems or policy is None:
        raise ConfigError(problems)
    return policy


def decision_roles(
    policy: AccessFile, decisions: Mapping[str, Decision], config_dir: Path
) -> list[Problem]:
    """Each decision names the role that records and reviews it, and that role exists."""
    where = str(config_dir / "decisions.toml")
    known = ", ".join(policy.roles)
    found: list[Problem] = []
    for i, decision in enumerate(decisions.values()):
        at = Location(where).child("decisions", Step(i, decision.id), "role")
        if decision.role is None:
            found.append(
                Problem(
                    at,
                    f"the role that records and reviews this decision (one of: {known}), "
                    f"because {config_dir / ACCESS_FILE} turns sign-in on",
                    "none",
                    f'role = "{next(iter(policy.roles))}"',
                )
            )
        elif decision.role not in policy.roles:
            found.append(
                Problem(
                    at,
                    f"a role of {config_dir / ACCESS_FILE} (one of: {known})",
                    repr(decision.role),
                )
            )
    return found
