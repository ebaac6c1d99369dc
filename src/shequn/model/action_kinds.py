"""The closed vocabulary of action kinds, and what a person is told to do for one.

Which platform calls repeat harmlessly, which event records an action's effect, and the
operator's instruction when no connector can act: data the worker, its connectors and the
manual queue read. Kept apart from ``model/actions.py`` (an action's states and the retry rule)
because the vocabulary grows with every chapter that acts in a group.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shequn.model.i18n import N_, tr


@dataclass(frozen=True, slots=True)
class ActionKind:
    """One kind of action: what it asks for and how the worker may treat it."""

    name: str
    title: str
    idempotent: bool
    """Repeating the platform call is harmless (approve, ban, revoke); a send is not."""
    effect: str | None = None
    """The event kind recording the action's effect as a community fact, if any."""
    task: str | None = None
    """What a person does when no connector can: a format string over the payload, in
    English (a message id: the catalogue says it in the community's language)."""


ACTION_KINDS: dict[str, ActionKind] = {
    k.name: k
    for k in (
        ActionKind(
            "message.send",
            "Send a message to the group or, with ``to``, to members privately.",
            idempotent=False,
            effect="message.delivered",
            task=N_("Send this message to {to_or_group}: {text}"),
        ),
        ActionKind(
            "poster.send",
            "Send a member their fission poster privately: the PNG with their referral QR "
            "code (``title``, ``subtitle``, ``name``, ``url``), drawn at send time, and a "
            "caption (``text``).",
            idempotent=False,
            effect="message.delivered",
            task=N_(
                "Send {to_or_group} their referral poster privately: draw it with "
                "`shequn poster {to_or_group}` "
                "(its QR code opens {url}) and send it with this caption: {text}"
            ),
        ),
        ActionKind(
            "livecode.sync",
            "Point a platform's group live code at the link's groups that have seats "
            "(WeCom 群活码: at most five).",
            idempotent=False,
            task=N_(
                "Set live code {link} (state {state}) to the groups {chat_ids} in WeCom's "
                "admin console."
            ),
        ),
        ActionKind(
            "link.sync",
            "Keep a link's chat invite link for one group in step with its seats (Telegram): "
            "create it (``name``, ``member_limit``, ``expires_at``), edit its ``member_limit`` "
            "(``invite_link``) or revoke it (``revoke``) when the group is full.",
            idempotent=False,
            effect="link.published",
            task=N_(
                "In {group}'s Telegram chat, make invite link {link} let in at most "
                "{member_limit} members (revoke it: {revoke})."
            ),
        ),
        ActionKind(
            "message.readback",
            "Read back whether a platform message task was sent (WeCom: the staff member "
            "confirms it in the client) and what became of each recipient, into the action's "
            "result.",
            idempotent=True,
            effect="message.received",
            task=N_("Check in WeCom whether message task {msgid} was sent."),
        ),
        ActionKind(
            "stats.pull",
            "Read a platform's group statistics of one day (WeCom groupchat/statistic) into "
            "the action's result, to be compared with the log (``shequn wecom stats``).",
            idempotent=True,
            task=N_("Read the customer-group statistics of {day} in WeCom's admin console."),
        ),
        ActionKind(
            "member.admit",
            "Let an admitted newcomer in (approve the join request or send a one-time link).",
            idempotent=True,
            effect="member.admitted",
            task=N_("Let {identity} into {group} (approve the request or send them the link)."),
        ),
        ActionKind(
            "member.admit.cancel",
            "Withdraw an admission nobody used (decline the request, revoke the link).",
            idempotent=True,
            task=N_("Withdraw {identity}'s admission to {group} (revoke their link)."),
        ),
        ActionKind(
            "reward.revoke",
            "Take back a reward's platform privilege (a role, a badge, a perk).",
            idempotent=True,
            task=N_("Take back reward {reward} of campaign {campaign} from {to}."),
        ),
        ActionKind(
            "payment.request",
            "Ask a newcomer to pay the entry fee or deposit.",
            idempotent=False,
            effect="message.delivered",
            task=N_("Ask {to} to pay {amount} {currency} to enter {group}."),
        ),
        ActionKind(
            "payment.collect",
            "Collect an entry fee by hand: no payment provider is configured to take it.",
            idempotent=False,
            task=N_(
                "Collect {amount} {currency} from {to} for joining {group}: no payment "
                "provider is set up ([money] provider), so contact them and take it yourself. "
                "Once paid, record it ({record}) and they are let in."
            ),
        ),
        ActionKind(
            "post.publish",
            "Publish a post of the content calendar where no bot may (personal account, "
            "Moments, official account).",
            idempotent=False,
            task=N_("Publish on {where} now ({at}): {text}"),
        ),
        ActionKind(
            "post.prepare",
            "Tell the operator a post of theirs on the content calendar is coming, to get it "
            "ready before it is due.",
            idempotent=False,
            task=N_("Get ready: at {at} you post on {where}: {text}"),
        ),
        ActionKind(
            "payment.refund",
            "Give a deposit back.",
            idempotent=False,
            task=N_(
                "Refund {amount} {currency} to {to} through your payment platform, then mark "
                "this task done."
            ),
        ),
        ActionKind(
            "application.review",
            "Ask the judges to review an application.",
            idempotent=False,
            task=N_(
                "Ask {judges} to review {applicant}'s application to {group} "
                "(`shequn entry review`)."
            ),
        ),
        ActionKind(
            "group.create",
            "Open a new group because every group of a link is full.",
            idempotent=False,
            task=N_(
                "Create a group like {template} (suggested slug {suggested_slug}), add it to "
                "the blueprint and bind it with `shequn groups bind`."
            ),
        ),
        ActionKind(
            "session.summarize",
            "A sharing session ended: someone writes its summary, which shequn then sends "
            "privately to every member of the group (P-ENG-2).",
            idempotent=True,
            task=N_(
                "Write the summary of session {session} ({title}) and send it with "
                "`shequn session summary {session} --text ...`."
            ),
        ),
        ActionKind(
            "qa.answer",
            "Questions in a group with no leader went unanswered: someone answers them (P-ENG-3).",
            idempotent=True,
            task=N_(
                "Answer the {count} open question(s) in {group} ({questions}) and mark the "
                "answers with `shequn qa answer`."
            ),
        ),
        ActionKind(
            "redenvelope.send",
            "The dead-group test: send a red envelope to the group (no bot can send one on "
            "WeChat or QQ), then record it (P-ENG-4).",
            idempotent=False,
            task=N_(
                "Send a red envelope of {shares} shares to {group}, then record it: "
                "`shequn envelope sent {group} --shares {shares} --member YOU` (dead_group_test). "
                "Not all grabbed within {hours} h: the group is dead."
            ),
        ),
        # group rules and moderation (P-RUL-2): every step can be undone by a manager
        ActionKind(
            "member.mute",
            "Restrict a member from posting in the group until ``until``.",
            idempotent=True,
            task=N_("Mute {identity} in {group} until {until} (reason: {reason})."),
        ),
        ActionKind(
            "member.unmute",
            "Lift a member's restriction in the group (a reversed mute).",
            idempotent=True,
            task=N_("Let {identity} post in {group} again."),
        ),
        ActionKind(
            "message.delete",
            "Delete a message that broke a rule.",
            idempotent=True,
            task=N_("Delete message {message} by {identity} in {group}."),
        ),
        ActionKind(
            "member.ban",
            "Remove a member from the group and keep them out.",
            idempotent=True,
            task=N_("Remove {identity} from {group} and block them (reason: {reason})."),
        ),
        ActionKind(
            "member.remove",
            "Take a member out of a paid group their membership no longer covers (expired or "
            "refunded); they may pay and come back, so they are not blocked (P-MON-2).",
            idempotent=True,
            task=N_("Remove {identity} from {group} (membership {reason}); do not block them."),
        ),
        ActionKind(
            "message.pin",
            "Pin a message in the group (over-activity damping: the post chatter buried).",
            idempotent=True,
            task=N_("Pin message {message} in {group} (reason: {reason})."),
        ),
        ActionKind(
            "message.unpin",
            "Unpin a message damping pinned, once its ``pin_hours`` are over.",
            idempotent=True,
            task=N_("Unpin message {message} in {group} (reason: {reason}; its time is over)."),
        ),
        ActionKind(
            "group.slow_mode",
            "Set the group's slow mode: at most one message per member every ``seconds`` "
            "(0 turns it off). No bot API sets it (Telegram's Bot API only reads "
            "slow_mode_delay), so a person does it.",
            idempotent=True,
            task=N_(
                "Set slow mode in {group} to {seconds} seconds between a member's messages "
                "(0: off) (reason: {reason})."
            ),
        ),
        ActionKind(
            "member.unban",
            "Let a removed member back in (a reversed removal).",
            idempotent=True,
            task=N_("Unblock {identity} in {group} so they may join again."),
        ),
        # the pyramid (P-ORG-1): the platform role follows shequn's roles
        ActionKind(
            "member.promote",
            "Make a member the group's admin with the rights their role needs (``role``: "
            "group_leader or manager) and, with ``title``, that title beside their name.",
            idempotent=True,
            task=N_(
                "Make {who} ({identity}) an admin of {group} as {name}: delete messages, "
                "ban users, invite users via link, pin messages, manage video chats; title: {name}."
            ),
        ),
        ActionKind(
            "member.demote",
            "Take a member's admin rights in the group away (no longer its leader).",
            idempotent=True,
            task=N_("Take {who} ({identity})'s admin rights in {group} away: no longer {name}."),
        ),
    )
}


def action_kind(name: str) -> ActionKind:
    """The kind's entry; an unknown kind is treated as a non-idempotent one a person does."""
    return ACTION_KINDS.get(name) or ActionKind(
        name, name, idempotent=False, task=f"Carry out {name}: {{payload}}"
    )


def task_text(
    kind: ActionKind, group: str | None, payload: dict[str, Any], language: str = "en"
) -> str:
    """The operator's instruction for ``kind`` in ``language`` (the message catalogue's),
    filled from the payload (missing keys: ``?``)."""
    to = payload.get("to")
    everyone = tr(language, N_("the community"))
    values: dict[str, Any] = {
        "group": group or everyone,
        "to_or_group": ", ".join(to) if isinstance(to, list) else to or group or everyone,
        "payload": payload,
        "text": payload.get("text") or f"[template {payload.get('template', '?')}]",
    }
    text = tr(language, kind.task) if kind.task else f"Carry out {kind.name}: {{payload}}"
    return text.format_map(_Missing({**{k: v for k, v in payload.items()}, **values}))


class _Missing(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"
