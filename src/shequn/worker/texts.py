"""What the worker says about an action: the message a connector sends, rendered from the
community's blueprint, and the instruction of the task a person gets when the worker cannot
(or may not) carry the action out itself.

Kept apart from the loop (``loop.py``), which decides *when* to call and what a result means;
this module only reads: blueprints, once per batch, and the action's payload.
"""

from __future__ import annotations

import contextlib

from shequn.connectors.base import Call, Permanent
from shequn.errors import ShequnError
from shequn.model.action_kinds import action_kind, task_text
from shequn.model.blueprint import Blueprint
from shequn.model.i18n import Said, tr
from shequn.store.action_states import ActionRow
from shequn.store.db import Store
from shequn.store.growth_queries import get_blueprint
from shequn.worker.effects import MESSAGE_KINDS, PHOTO_KINDS, poster_png, renderer


class ActionTexts:
    """Renders actions for one worker; caches each community's blueprint until :meth:`forget`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.render = renderer()
        self.blueprints: dict[str, Blueprint | ShequnError] = {}

    def forget(self) -> None:
        """Drop the cached blueprints, so a blueprint changed since is read again."""
        self.blueprints.clear()

    def call(self, row: ActionRow, *, render: bool = True) -> Call:
        """The connector's view of ``row``, with its message rendered now."""
        text = self.text(row) if render and row.kind in MESSAGE_KINDS else None
        photo = poster_png(row.payload) if render and row.kind in PHOTO_KINDS else None
        return Call(
            row.id, row.kind, row.community, row.group, row.target, row.payload,
            row.idempotency_key, text, photo,
        )  # fmt: skip

    def blueprint(self, community: str) -> Blueprint | ShequnError:
        """The community's blueprint, read once per worker (or why it cannot be read)."""
        bp = self.blueprints.get(community)
        if bp is None:
            try:
                with self.store.read() as conn:
                    bp = get_blueprint(conn, community)
            except ShequnError as e:
                bp = e
            self.blueprints[community] = bp
        return bp

    def text(self, row: ActionRow) -> str | None:
        """The message's text: given, or its template rendered (:class:`Permanent` if not)."""
        if "template" not in row.payload:
            return str(row.payload["text"]) if "text" in row.payload else None
        bp = self.blueprint(row.community)
        if isinstance(bp, ShequnError):
            raise Permanent(Said("cannot render the message: {why}", why=bp.message))
        try:
            return self.render(bp, {"group": row.group, **row.payload})
        except ShequnError as e:
            raise Permanent(Said("cannot render the message: {why}", why=e.message)) from None

    def instruction(self, row: ActionRow) -> str:
        """What a person is asked to do by hand, in the community's language."""
        payload = dict(row.payload)
        if row.kind in MESSAGE_KINDS:
            with contextlib.suppress(Permanent):
                payload["text"] = self.text(row)
        return task_text(action_kind(row.kind), row.group, payload, self.language(row))

    def language(self, row: ActionRow) -> str:
        """The community's language (English when its blueprint cannot be read)."""
        bp = self.blueprint(row.community)
        return "en" if isinstance(bp, ShequnError) else bp.community.language

    def uncertain(self, row: ActionRow, why: str) -> str:
        """The review task of an action that may or may not have happened, in the community's
        language (``why`` is the connector's own words: data)."""
        said = Said(
            "Action {id} ({kind}) may not have happened: {why}. Check on the platform: if it "
            "did, mark this task done; if not, run `shequn actions retry {id}`. It was: {task}",
            id=row.id, kind=row.kind, why=why, task=self.instruction(row),
        )  # fmt: skip
        return tr(self.language(row), said)
