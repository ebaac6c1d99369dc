"""What routes depend on: the store, the caller (an :class:`Operator`), and lookups that check
permission in the same step.

STYLE point 3, "lookup-plus-permission once": a route never fetches a community, group or
member and then checks access separately. ``access_*`` do both, and something that exists but
lies outside the token's scope raises exactly the same :class:`NotFound` as something that
does not exist — so a scoped token cannot even learn which other groups there are.

Order of refusals, the same for every route: no valid token → 401; budget spent → 429; a role
that may not do this at all (an analyst writing) → 403; something out of scope or missing → 404;
then the input itself → 422.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator
from sqlalchemy import Connection

from shequn.analytics.budget import Budget
from shequn.api.auth import SEND_A_TOKEN
from shequn.api.errors import Forbidden, Unauthorized
from shequn.engine.decisions import operator_source
from shequn.engine.guard import Writer
from shequn.errors import Conflict, NotFound
from shequn.model.entities import Community, Group, Member
from shequn.model.i18n import Said
from shequn.store.db import Store
from shequn.store.queries import get_community, get_member, list_communities, list_groups
from shequn.store.tokens import SCOPED_ROLES, Token

MAX_MEMBER_ID = 2**31 - 1
"""members.id is a 32-bit integer; a larger number cannot name a member."""


@dataclass(frozen=True, slots=True)
class ApiSettings:
    """How the API behaves; ``from_env`` reads the ``SHEQUN_API_*`` variables."""

    rate_per_minute: float = 1200.0
    rate_burst: int = 120
    max_upload_bytes: int = 50 * 1024 * 1024
    analytics_path: str | None = None  # None: the replica's default (see analytics/replica)
    max_body_bytes: int = 2 * 1024 * 1024
    """Any request body but an upload (docs/security.md, "Limits")."""
    analytics_memory: str = "1GB"
    analytics_timeout_s: float = 30.0
    anonymous_per_minute: float = 30.0
    """Requests without a valid token, per client address (then 429); ``anonymous_burst``
    of them may come at once."""
    anonymous_burst: int = 10

    @classmethod
    def from_env(cls) -> ApiSettings:
        env = os.environ
        d = cls()
        return cls(
            rate_per_minute=float(env.get("SHEQUN_API_RATE_PER_MINUTE", d.rate_per_minute)),
            rate_burst=int(env.get("SHEQUN_API_RATE_BURST", d.rate_burst)),
            max_upload_bytes=int(env.get("SHEQUN_API_MAX_UPLOAD_BYTES", d.max_upload_bytes)),
            analytics_path=env.get("SHEQUN_ANALYTICS_PATH") or None,
            max_body_bytes=int(env.get("SHEQUN_API_MAX_BODY_BYTES", d.max_body_bytes)),
            analytics_memory=env.get("SHEQUN_API_ANALYTICS_MEMORY", d.analytics_memory),
            analytics_timeout_s=float(
                env.get("SHEQUN_API_ANALYTICS_TIMEOUT_S", d.analytics_timeout_s)
            ),
            anonymous_per_minute=float(
                env.get("SHEQUN_API_ANONYMOUS_PER_MINUTE", d.anonymous_per_minute)
            ),
            anonymous_burst=int(env.get("SHEQUN_API_ANONYMOUS_BURST", d.anonymous_burst)),
        )

    @property
    def budget(self) -> Budget:
        """The analytics budget of one request (checked when the app is built)."""
        return Budget(self.analytics_memory, self.analytics_timeout_s)


@dataclass(frozen=True, slots=True)
class Operator:
    """Who is calling: a token's role, community and groups (``None``: every group)."""

    token_id: int
    role: str
    community: str
    groups: frozenset[str] | None

    @property
    def scoped(self) -> bool:
        return self.groups is not None

    @property
    def can_write(self) -> bool:
        return self.role != "analyst"

    @property
    def source(self) -> str:
        """``source`` of the events this token records (ARCHITECTURE: ``api:<token id>``)."""
        return f"api:{self.token_id}"

    @property
    def asked_source(self) -> str:
        """``source`` of the events the engine records because this token asked
        (``operator:api:<token id>``, as ``operator:cli`` on the command line)."""
        return operator_source(self.source)

    def as_writer(self, *, keep_sources: bool = False) -> Writer:
        """The write guard's view of this token (``engine/guard.py``). Only an owner may keep
        the sources an export names; everyone else writes under ``api:<token id>``."""
        keep = keep_sources and self.role == "owner"
        return Writer(self.role, self.community, self.source, self.groups, keep_sources=keep)

    def covers(self, group: str | None) -> bool:
        """May this operator see or act on ``group``? (``None``: community-wide things,
        which only unscoped roles see.)"""
        if self.groups is None:
            return True
        return group is not None and group in self.groups

    def visible_groups(self, groups: list[Group]) -> list[Group]:
        return [g for g in groups if self.covers(g.slug)]


# --- the store and the caller ---------------------------------------------------------------


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(get_store)]
_bearer = HTTPBearer(auto_error=False, description="An API token: `shequn token create`.")


def current_operator(
    request: Request,
    _: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Operator:
    """The operator behind the bearer token, as ``api/auth.py`` found it before the route ran
    (the ``_bearer`` parameter only declares the scheme in the OpenAPI document)."""
    token: Token | None = getattr(request.state, "token", None)
    if token is None:  # an app built without the Authenticate middleware
        raise Unauthorized(SEND_A_TOKEN)
    groups = frozenset(token.groups) if token.role in SCOPED_ROLES else None
    return Operator(token.id, token.role, token.community, groups)


OperatorDep = Annotated[Operator, Depends(current_operator)]


def writer(op: OperatorDep) -> Operator:
    """An operator allowed to write at all (analysts read only)."""
    if not op.can_write:
        raise Forbidden(Said("a {role} token is read-only", role=op.role), role=op.role)
    return op


WriterDep = Annotated[Operator, Depends(writer)]


def manager(op: WriterDep) -> Operator:
    """Owner or manager: for decisions about people (merging members)."""
    if op.role not in ("owner", "manager"):
        raise Forbidden(
            Said("a {role} token may not do this; a manager or owner may", role=op.role),
            role=op.role,
        )
    return op


ManagerDep = Annotated[Operator, Depends(manager)]

# --- lookup plus permission -------------------------------------------------------------------


def no_action(action: int, community: str) -> Said:
    """An action missing, or outside the token's scope (the same words either way)."""
    return Said("no action {action} in {community!r}", action=action, community=community)


def access_community(conn: Connection, op: Operator, slug: str) -> Community:
    if slug != op.community:
        raise NotFound(Said("no community {slug!r}", slug=slug), community=slug)
    return get_community(conn, slug)


def access_group(conn: Connection, op: Operator, community: str, slug: str) -> Group:
    """A group of the community that the operator covers; missing and out of scope alike
    raise the same NotFound."""
    access_community(conn, op, community)
    if op.covers(slug):
        for group in list_groups(conn, community):
            if group.slug == slug:
                return group
    raise NotFound(
        Said("no group {slug!r} in {community!r}", slug=slug, community=community),
        community=community,
        group=slug,
    )


def _sane(at: datetime) -> datetime:
    """Refuse start times no plan can have (a timeline counts days back and hours on)."""
    if not 2000 <= at.year <= 2999:
        raise ValueError(Said("a start between the years 2000 and 2999"))
    return at


Start = Annotated[datetime, AfterValidator(_sane)]
"""When a session or meetup starts; without a zone, the community's time."""


T = TypeVar("T")


def access_in_group(
    store: Store,
    op: Operator,
    community: str,
    missing: NotFound,
    show: Callable[[], T],
    group: Callable[[T], str | None],
) -> T:
    """What ``show`` finds (a meetup, a session, a question, a moderation step), if it lies in
    a group the operator covers: ``show`` raising NotFound and a thing of another group both
    raise ``missing``, so the two cannot be told apart."""
    with store.read() as conn:
        access_community(conn, op, community)
    try:
        found = show()
    except NotFound:
        raise missing from None
    if not op.covers(group(found)):
        raise missing
    return found


def hook_community(store: Store, variable: str) -> str:
    """The community a platform's webhook records into (a hook carries no token to name it):
    the one named by the environment ``variable``, else the store's only community."""
    named = os.environ.get(variable)
    if named:
        return named
    with store.read() as conn:
        slugs = [c.slug for c in list_communities(conn)]
    if len(slugs) != 1:
        raise Conflict(
            Said("set {variable}: the store has {n} communities", variable=variable, n=len(slugs))
        )
    return slugs[0]


def read_groups(store: Store, op: Operator, community: str, group: str | None) -> list[str] | None:
    """The groups a list read covers: ``group`` when the caller may see it (else 404, like a
    missing one), otherwise the caller's groups — ``None`` for an unscoped token."""
    with store.read() as conn:
        access_community(conn, op, community)
        if group is not None:
            access_group(conn, op, community, group)
            return [group]
    return None if op.groups is None else sorted(op.groups)


def can_see(conn: Connection, op: Operator, community: str, member: str) -> bool:
    """Whether ``op`` may see ``member`` (one of the groups it covers): a yes/no
    :func:`access_member` for lists that leave out what a token may not see."""
    try:
        access_member(conn, op, community, member)
    except NotFound:
        return False
    return True


def visible(op: Operator, community: str, member: Member) -> Member | None:
    """The member as this operator may see them — memberships and roles limited to the
    community and the operator's groups — or ``None`` if none of them is visible."""
    ships = tuple(m for m in member.memberships if m.community == community and op.covers(m.group))
    if not ships:
        return None
    roles = tuple(
        r
        for r in member.roles
        if r.community == community and (op.covers(r.group) if r.group else not op.scoped)
    )
    return dataclasses.replace(member, memberships=ships, roles=roles)


def access_member(conn: Connection, op: Operator, community: str, ref: str) -> Member:
    """A member (by id or identity key) with a membership the operator can see."""
    access_community(conn, op, community)
    missing = NotFound(f"no member {ref!r} in {community!r}", member=ref)
    if ref.isdigit() and (not ref.isascii() or int(ref) > MAX_MEMBER_ID):
        raise missing  # str.isdigit accepts '²'; and no id is that large
    try:
        member = get_member(conn, ref, community=community)
    except NotFound:
        raise missing from None
    shown = visible(op, community, member)
    if shown is None:
        raise missing
    return shown


CommunityPath = Annotated[str, Path(description="Community slug.")]
GroupQuery = Annotated[str | None, Query(max_length=128, description="Only this group.")]
"""``?group=``: a list read limited to one group (404 if the caller does not cover it)."""

# --- analytics --------------------------------------------------------------------------------

_replica_lock = threading.Lock()


@contextmanager
def analytics(request: Request) -> Iterator[Any]:
    """A DuckDB connection on an up-to-date replica of the log, within the request's budget:
    DuckDB's memory limit and a time limit after the sync (``analytics/budget.py``; 503 past
    either).

    One at a time per process: the replica is one DuckDB file, and two syncs at once would
    conflict. Metrics on a community's log take milliseconds to a few seconds, so queueing
    is the simple and safe choice for now; the time budget keeps the queue moving.
    """
    from shequn.analytics.budget import limited
    from shequn.analytics.replica import Replica  # lazy: DuckDB is heavy

    settings: ApiSettings = request.app.state.settings
    with _replica_lock:
        replica = Replica.open(get_store(request), settings.analytics_path)
        try:
            with limited(replica.con, settings.budget) as con:
                yield con
        finally:
            replica.close()
