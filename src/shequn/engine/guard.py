"""The write guard: the one check every outside event passes before it reaches the log.

``POST /events``, uploads to ``/imports``, the entry batch and a connector's inbound side all
hand their events to :func:`guarded` with the :class:`Writer` behind them. It refuses, naming
the event and the kind, anything the writer may not say:

1. an event of another community (communities are isolated: docs/store.md);
2. a kind whose writer class the writer's role does not hold (``model/writers.py``): a group
   leader cannot configure the community, change roles or merge people by posting events;
3. a group outside a scoped writer's groups, or a community-wide event from a scoped writer;
4. for ``moderation`` and ``money`` events from a scoped writer, a member acted upon who is not
   in the writer's groups (you report what happens in your groups; you act on your members);
5. a configuration event that does not describe a configuration shequn can run
   (``model/config_checks.py``): a broken blueprint in the log would break every later entry;
6. a ``source`` that is not the writer's own: a scoped writer's events are recorded under its
   ``source`` (``api:<token id>``), so it cannot claim keys a later real import would use.

Checks 1-3, 5 and 6 look at the event alone; 4 reads memberships, a chunk at a time, so a
streamed import stays streamed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import islice

from shequn.errors import Forbidden, InvalidEvent, NotFound
from shequn.model.config_checks import check_config
from shequn.model.events import MAX_KEY, Event
from shequn.model.i18n import Said
from shequn.model.kinds import KINDS
from shequn.model.writers import ROLE_WRITES, WRITER_CLASS
from shequn.store.db import Store
from shequn.store.scope_queries import groups_of

CHUNK = 1_000
"""Events checked per membership lookup."""

ACTS_ON_PEOPLE = frozenset({"rule.violated", "moderation.applied"}) | frozenset(
    kind for kind, cls in WRITER_CLASS.items() if cls == "money"
)
"""Kinds whose events act on a person (the subject, else the actor): a scoped writer may name
only its members. An application's review is not among them: the applicant is not a member
yet, and the group's scope already bounds it."""


@dataclass(frozen=True, slots=True)
class Writer:
    """Who is writing: a role in one community, maybe limited to some groups.

    ``source`` is where the events are recorded as coming from; ``keep_sources`` lets an
    owner keep the sources an export names (``telegram-export:<chat>``) so that a later import
    of the same chat recognises them.
    """

    role: str
    community: str
    source: str
    groups: frozenset[str] | None = None
    keep_sources: bool = False

    @property
    def scoped(self) -> bool:
        return self.groups is not None

    def covers(self, group: str | None) -> bool:
        if self.groups is None:
            return True
        return group is not None and group in self.groups


def check_scope(
    writer: Writer, where: str, *, kind: object, community: object, group: object
) -> None:
    """Checks 1-3 on an event's kind, community and group — also on a raw event before it is
    validated, so that what a token may not do at all answers 403/404 before 422."""
    if community != writer.community:
        raise InvalidEvent(
            Said(
                "{where}: community {community!r} is not {community2!r}",
                where=where,
                community=community,
                community2=writer.community,
            ),
            field=f"{where}.community",
        )
    cls = WRITER_CLASS.get(kind) if isinstance(kind, str) else None
    if cls is None and not (isinstance(kind, str) and kind in KINDS):
        return  # not a kind at all: validation names the problem
    if cls is None or cls not in ROLE_WRITES.get(writer.role, frozenset()):
        allowed = ", ".join(sorted(ROLE_WRITES.get(writer.role, frozenset()))) or "nothing"
        raise Forbidden(
            Said(
                "{where}: a {role} may not write {kind} events (writer class {value}; a {role} "
                "writes {allowed})",
                where=where,
                role=writer.role,
                kind=kind,
                value=cls or "none",
                allowed=allowed,
            ),
            event_kind=kind,
            field=f"{where}.kind",
        )
    if group is not None and not isinstance(group, str):
        return
    if not writer.covers(group):
        if group is None:
            raise Forbidden(
                Said(
                    "{where}: a community-wide {kind} event needs an unscoped token",
                    where=where,
                    kind=kind,
                ),
                event_kind=kind,
                field=f"{where}.group",
            )
        raise NotFound(
            Said(
                "{where}: no group {group!r} in {community!r}",
                where=where,
                group=group,
                community=writer.community,
            ),
            field=f"{where}.group",
        )


def check(writer: Writer, event: Event, where: str) -> Event:
    """Checks 1-3, 5 and 6 on one event; returns it, re-sourced if need be."""
    check_scope(writer, where, kind=event.kind, community=event.community, group=event.group)
    if WRITER_CLASS[event.kind] == "config":
        try:
            check_config(event)
        except InvalidEvent as e:
            field = f"{where}.{e.fields.get('field')}"
            raise InvalidEvent(
                Said("{where}: {message}", where=where, message=e.message), field=field
            ) from None
    if writer.keep_sources or event.source == writer.source:
        return event
    source = f"{writer.source}:{event.source}"[:MAX_KEY]
    return replace(event, source=source)


def guarded(
    store: Store, writer: Writer, events: Iterable[Event], *, label: str = "events"
) -> Iterator[Event]:
    """``events`` as the writer may record them; stops at the first refused one.

    Someone who joins one of the writer's groups earlier in the same stream counts as its
    member for what follows, as they will once the stream is recorded.
    """
    it = iter(events)
    start = 0
    joined: set[str] = set()
    while chunk := list(islice(it, CHUNK)):
        checked = [check(writer, e, f"{label}[{start + n}]") for n, e in enumerate(chunk)]
        if writer.scoped:
            _members_in_scope(store, writer, checked, start, label, joined)
        yield from checked
        start += len(chunk)


def _members_in_scope(
    store: Store, writer: Writer, events: list[Event], start: int, label: str, joined: set[str]
) -> None:
    keys = {e.subject or e.actor for e in events if e.kind in ACTS_ON_PEOPLE}
    keys.discard(None)
    where: dict[str, set[str]] = {}
    if keys:
        with store.read() as conn:
            where = groups_of(conn, writer.community, [k for k in keys if k is not None])
    mine = writer.groups or frozenset()
    for n, e in enumerate(events):
        if e.kind == "member.joined" and e.actor is not None:
            joined.add(e.actor)  # check() has put the group in scope
            continue
        key = e.subject or e.actor
        if e.kind not in ACTS_ON_PEOPLE or key is None or key in joined:
            continue
        if not where.get(key, set()) & mine:
            party = "subject" if e.subject else "actor"
            raise NotFound(
                Said(
                    "{label}[{value}]: no member {key!r} in your groups ({kind} acts on them)",
                    label=label,
                    value=start + n,
                    key=key,
                    kind=e.kind,
                ),
                field=f"{label}[{start + n}].{party}",
            )
