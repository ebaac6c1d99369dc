"""Words shequn keeps as data and shows to people: stage names, rule states, severities, the
metrics' column names.

They are stored and compared in English (``"dead"``, ``"met"``), and translated only where a
person reads them, with :func:`shequn.model.i18n.tr`. Listing them here with ``N_`` puts them
in the message catalogue, so ``tests/test_i18n.py`` knows each one has its translation.
"""

from __future__ import annotations

from shequn.model.i18n import N_

STAGES = (
    N_("germination"),
    N_("rapid_growth"),
    N_("active"),
    N_("declining"),
    N_("dead"),
)
"""Life-cycle stages (``analytics/lifecycle.py``)."""

SEVEN_DAY_RULE = (N_("met"), N_("failed"), N_("pending"))
"""The 7-day rule's verdicts."""

SEVERITY = {"high": N_("urgent"), "medium": N_("soon"), "info": N_("note")}
"""An alert's severity as a person reads it (``high`` would be ambiguous beside the
ladder's ``high`` rung)."""

ROLES = (
    N_("owner"),
    N_("manager"),
    N_("group_leader"),
    N_("member"),
    N_("fission_agent"),
    N_("partner"),
    N_("payer"),
)
"""Roles and core-figure tags (``model/org_state.py``), as the pyramid pages show them."""

RUNGS = (N_("free"), N_("low"), N_("mid"), N_("high"))
"""The monetization ladder's rungs."""

CARE = (N_("deep"), N_("cool"), N_("ignore"))
"""How much a newcomer cares (``intake``), as ``members show`` and ``intake`` say it."""

STAKE = (N_("payer"), N_("partner"), N_("competitor"), N_("ordinary"))
"""What a newcomer's stake is (``intake``)."""

GROUP_STAGES = (
    N_("drainage"),
    N_("fan"),
    N_("course"),
    N_("senior"),
    N_("camp"),
    N_("other"),
)
"""A group's place in the matrix (``model/blueprint.py`` ``Stage``)."""

BEHAVIOURS = (
    N_("answer"),
    N_("reply"),
    N_("link"),
    N_("forward"),
    N_("invite"),
    N_("reaction_received"),
    N_("reaction_given"),
)
"""Key behaviours (``model/org_facts.py``), as the report's evidence names them."""

CHANNELS = (N_("founder"), N_("manager"), N_("invite"), N_("link"), N_("referral"))
"""How members came in (``join_channel``; the simulator's and the door's), as the funnel's
segments and ``members show`` name them."""

MEMBERSHIP = {"active": N_("in the group"), "left": N_("left"), "removed": N_("removed")}
"""A membership's status as a person reads it (``active`` means in the group, not talking)."""

OUTBOX_STATES = (
    N_("pending"),
    N_("leased"),
    N_("done"),
    N_("failed"),
    N_("dead"),
    N_("review"),
    N_("cancelled"),
)
"""Where an action is (``model/actions.Status``)."""

ENTRY = (
    N_("admitted"),
    N_("queued"),
    N_("rejected"),
    N_("waitlisted"),
    N_("expired"),
    N_("blocked"),
    N_("upheld"),
    N_("overturned"),
    N_("referral"),
    N_("live_code"),
    N_("code"),
)
"""The door's outcomes, fraud cases' states and link purposes (``model/kinds_growth.py``)."""

REFERRAL_REASONS = (
    N_("self_invite"),
    N_("already_member"),
    N_("ring"),
    N_("burst"),
    N_("duplicate_identity"),
    N_("left_quickly"),
    N_("left_before_stay_days"),
    N_("after_campaign"),
    N_("before_campaign"),
    N_("joined_after_window"),
    N_("not_first_touch"),
    N_("not_joined"),
)
"""Why a referral is flagged or not counted (``engine/fraud.py``, ``engine/fission.py``)."""

RULES = (
    N_("advert"),
    N_("banned_topic"),
    N_("flood"),
    N_("newcomer"),
    N_("link_level"),
    N_("lock"),
    N_("pull_in"),
    N_("activity"),
    N_("ban"),
)
"""The group rules a step enforces (``engine/rules/``), as the moderation page names them."""

STEPS = (N_("reminder"), N_("warning"), N_("mute"), N_("removal"), N_("reverse"), N_("granted"))
"""The enforcement ladder's steps and an appeal's outcome (``engine/rules/ladder.py``)."""

COLUMNS = (
    # retention
    N_("cohort_start"),
    N_("size"),
    N_("retained"),
    N_("rates"),
    # funnel
    N_("segment"),
    N_("acquired"),
    N_("activated"),
    N_("retention_base"),
    N_("paid"),
    N_("referred"),
    N_("activation_rate"),
    N_("retention_rate"),
    N_("paid_rate"),
    N_("referral_rate"),
    # k_factor
    N_("invitees"),
    N_("activated_invitees"),
    N_("invites_per_member"),
    N_("conversion"),
    N_("k"),
    # concentration
    N_("group"),
    N_("posters"),
    N_("messages"),
    N_("gini"),
    N_("top10_share"),
    N_("half_of_messages_by"),
    # key behaviour leaders and churn risk
    N_("person"),
    N_("score"),
    N_("rank"),
    N_("evidence"),
    N_("has_role"),
    N_("member"),
    N_("risk"),
    N_("days_silent"),
    N_("groups"),
    N_("baseline"),
    N_("recent"),
    N_("ratio"),
    N_("last_active"),
    # shequn metrics activity
    N_("dau"),
    N_("wau"),
    N_("mau"),
    N_("messages_per_active"),
    # every other metric's columns (tests/test_metric_columns.py reads them all)
    N_("age_days"),
    N_("amount_rate"),
    N_("blended"),
    N_("born"),
    N_("channels"),
    N_("chatter_share"),
    N_("churned_mrr"),
    N_("commission"),
    N_("completed"),
    N_("converted"),
    N_("cost"),
    N_("cost_per_member"),
    N_("ended"),
    N_("fees"),
    N_("flagged_people"),
    N_("horizon_complete"),
    N_("horizon_days"),
    N_("hour"),
    N_("invitees_per_participant"),
    N_("level1"),
    N_("level2"),
    N_("max_depth"),
    N_("mean_days"),
    N_("median_days"),
    N_("month"),
    N_("mrr"),
    N_("net"),
    N_("participants"),
    N_("payers"),
    N_("per_acquired"),
    N_("per_active"),
    N_("per_payer"),
    N_("per_retained"),
    N_("period_start"),
    N_("precision"),
    N_("quarter"),
    N_("quieting_key_members"),
    N_("rate"),
    N_("recall"),
    N_("referral_share"),
    N_("refunded_amount"),
    N_("refunds"),
    N_("renewed"),
    N_("retained_from_previous"),
    N_("returning"),
    N_("rewards"),
    N_("roots"),
    N_("seven_day_rule"),
    N_("still_members"),
    N_("tier"),
    N_("total"),
    N_("trees"),
    N_("true_positives"),
    N_("unpriced"),
    N_("weeks"),
    N_("yes"),
    N_("no"),
)
"""Column names of the metrics the report shows (dataclass fields), and the yes/no of their
flags."""

ORDER = (
    N_("awaiting_second"),
    N_("voting"),
    N_("counting"),
    N_("carried"),
    N_("defeated"),
    N_("lapsed"),
    N_("no_quorum"),
    N_("nominating"),
    N_("closed"),
    N_("abstain"),
)
"""Where a motion or an election is, and the third choice of a vote (``engine/motions.py``,
``engine/elections.py``; the dashboard's motions page)."""

__all__ = [
    "BEHAVIOURS",
    "CARE",
    "CHANNELS",
    "COLUMNS",
    "ENTRY",
    "GROUP_STAGES",
    "MEMBERSHIP",
    "ORDER",
    "OUTBOX_STATES",
    "REFERRAL_REASONS",
    "ROLES",
    "RULES",
    "RUNGS",
    "SEVEN_DAY_RULE",
    "SEVERITY",
    "STAGES",
    "STAKE",
    "STEPS",
]
