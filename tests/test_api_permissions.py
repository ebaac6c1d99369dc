"""The permission matrix: every role × every route × in scope / out of scope / another
community, with the expected status written out below.

Tokens (see ``build_env``): an owner and an analyst of ``study-circle`` (every group), a
manager and a group leader of its group ``main`` only. "in" names ``main`` (or nothing
group-specific), "out" names ``camp-21`` — a real group the scoped tokens do not cover —
and "other" is the community ``elsewhere``, which exists but is not the tokens'. Out of
scope answers exactly like missing: 404.

One store per backend serves the whole module (building it takes seconds); cells that write
use their own members and source refs, so they do not depend on each other's order.

Long on purpose (past 400 lines): one matrix that every new route adds its rows to; split in
two, a route's rows would have two places to be looked for and forgotten in.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shequn.engine.campaigns import configure_campaign
from shequn.engine.elections import nominate, open_election
from shequn.engine.engagement import content_entries
from shequn.engine.engagement.meetups import plan_meetup
from shequn.engine.engagement.sessions import plan_session
from shequn.engine.motions import propose, second
from shequn.engine.record import record
from shequn.model.actions import Action
from shequn.model.blueprint_growth import Campaign
from shequn.model.events import Event
from shequn.model.text import message_data
from shequn.store.outbox import enqueue, list_actions
from shequn.store.rules_queries import events_by
from shequn.store.tasks import list_tasks, open_task
from tests.test_api import OTHER, V1, C, Env, assert_problem, event, module_env

ROLES = ("owner", "manager", "group_leader", "analyst")

# fmt: off
MATRIX: list[tuple[str, str, int, int, int, int]] = [
    # route                scope     owner  manager  leader  analyst
    ("list communities",   "in",     200,   200,     200,    200),
    ("community",          "in",     200,   200,     200,    200),
    ("community",          "other",  404,   404,     404,    404),
    ("groups",             "in",     200,   200,     200,    200),
    ("groups",             "other",  404,   404,     404,    404),
    ("group",              "in",     200,   200,     200,    200),
    ("group",              "out",    200,   404,     404,    200),
    ("group",              "other",  404,   404,     404,    404),
    ("members",            "in",     200,   200,     200,    200),
    ("members",            "other",  404,   404,     404,    404),
    ("members of group",   "in",     200,   200,     200,    200),
    ("members of group",   "out",    200,   404,     404,    200),
    ("members of group",   "other",  404,   404,     404,    404),
    ("member",             "in",     200,   200,     200,    200),
    ("member",             "out",    200,   404,     404,    200),
    ("member",             "other",  404,   404,     404,    404),
    ("merge members",      "in",     200,   200,     403,    403),
    ("merge members",      "out",    200,   404,     403,    403),
    ("merge members",      "other",  404,   404,     403,    403),
    ("events",             "in",     200,   200,     200,    200),
    ("events",             "other",  404,   404,     404,    404),
    ("events of group",    "in",     200,   200,     200,    200),
    ("events of group",    "out",    200,   404,     404,    200),
    ("events of group",    "other",  404,   404,     404,    404),
    ("append events",      "in",     200,   200,     200,    403),
    ("append events",      "out",    200,   404,     404,    403),
    ("append events",      "other",  404,   404,     404,    403),
    ("metrics",            "in",     200,   200,     200,    200),
    ("metrics",            "other",  404,   404,     404,    404),
    ("metric",             "in",     200,   200,     200,    200),
    ("metric",             "out",    200,   404,     404,    200),
    ("metric",             "other",  404,   404,     404,    404),
    ("report",             "in",     200,   200,     200,    200),
    ("report",             "out",    200,   404,     404,    200),
    ("report",             "other",  404,   404,     404,    404),
    ("diagnose",           "in",     200,   200,     200,    200),
    ("diagnose",           "out",    200,   404,     404,    200),
    ("diagnose",           "other",  404,   404,     404,    404),
    ("import",             "in",     200,   200,     200,    403),
    ("import",             "out",    200,   404,     404,    403),
    ("import",             "other",  404,   404,     404,    403),
    ("enter",              "in",     200,   200,     200,    403),
    ("enter",              "out",    200,   404,     404,    403),
    ("enter",              "other",  404,   404,     404,    403),
    ("enter many",         "in",     200,   200,     200,    403),
    ("enter many",         "out",    200,   404,     404,    403),
    ("enter many",         "other",  404,   404,     404,    403),
    ("entries",            "in",     200,   200,     200,    200),
    ("entries",            "other",  404,   404,     404,    404),
    ("entries of group",   "in",     200,   200,     200,    200),
    ("entries of group",   "out",    200,   404,     404,    200),
    ("entries of group",   "other",  404,   404,     404,    404),
    ("review application", "in",     409,   409,     409,    403),  # main takes none
    ("review application", "out",    409,   404,     404,    403),
    ("review application", "other",  404,   404,     404,    403),
    ("create link",        "in",     200,   200,     403,    403),
    ("create link",        "out",    200,   404,     403,    403),
    ("create link",        "other",  404,   404,     403,    403),
    ("campaigns",          "in",     200,   200,     200,    200),
    ("campaigns",          "other",  404,   404,     404,    404),
    ("configure campaign", "in",     200,   200,     403,    403),
    ("configure campaign", "out",    200,   404,     403,    403),
    ("configure campaign", "other",  404,   404,     403,    403),
    ("leaderboard",        "in",     200,   200,     200,    200),
    ("leaderboard",        "out",    200,   404,     404,    200),
    ("leaderboard",        "other",  404,   404,     404,    404),
    ("fraud cases",        "in",     200,   404,     404,    200),
    ("fraud cases",        "other",  404,   404,     404,    404),
    ("review fraud case",  "in",     200,   404,     403,    403),
    ("review fraud case",  "other",  404,   404,     403,    403),
    ("poster",             "in",     200,   200,     200,    403),
    ("poster",             "out",    200,   404,     404,    403),
    ("poster",             "other",  404,   404,     404,    403),
    ("actions",            "in",     200,   200,     200,    403),
    ("actions",            "other",  404,   404,     404,    403),
    ("action done",        "in",     200,   404,     404,    403),  # a community-wide action
    ("action done",        "other",  404,   404,     404,    403),
    ("action counts",      "in",     200,   200,     200,    403),
    ("action counts",      "other",  404,   404,     404,    403),
    ("action",             "in",     200,   200,     200,    403),
    ("action",             "out",    200,   404,     404,    403),
    ("action",             "other",  404,   404,     404,    403),
    ("retry action",       "in",     200,   200,     200,    403),
    ("retry action",       "out",    200,   404,     404,    403),
    ("retry action",       "other",  404,   404,     404,    403),
    ("cancel action",      "in",     200,   200,     200,    403),
    ("cancel action",      "out",    200,   404,     404,    403),
    ("cancel action",      "other",  404,   404,     404,    403),
    ("tasks",              "in",     200,   200,     200,    403),
    ("tasks",              "other",  404,   404,     404,    403),
    ("task done",          "in",     200,   200,     200,    403),
    ("task done",          "out",    200,   404,     404,    403),
    ("task done",          "other",  404,   404,     404,    403),
    ("moderation steps",   "in",     200,   200,     200,    200),
    ("moderation steps",   "out",    200,   404,     404,    200),
    ("moderation steps",   "other",  404,   404,     404,    404),
    ("reverse step",       "in",     200,   200,     200,    403),
    ("reverse step",       "out",    200,   404,     404,    403),
    ("reverse step",       "other",  404,   404,     404,    403),
    ("appeals",            "in",     200,   200,     200,    200),
    ("appeals",            "out",    200,   404,     404,    200),
    ("appeals",            "other",  404,   404,     404,    404),
    ("decide appeal",      "in",     200,   200,     200,    403),
    ("decide appeal",      "out",    200,   404,     404,    403),
    ("decide appeal",      "other",  404,   404,     404,    403),
    ("file appeal",        "in",     200,   200,     200,    403),
    ("file appeal",        "out",    200,   404,     404,    403),
    ("file appeal",        "other",  404,   404,     404,    403),
    ("report activity",    "in",     200,   200,     200,    403),
    ("report activity",    "out",    200,   404,     404,    403),
    ("report activity",    "other",  404,   404,     404,    403),
    ("replay rules",       "in",     200,   200,     200,    200),
    ("replay rules",       "out",    200,   404,     404,    200),
    ("replay rules",       "other",  404,   404,     404,    404),
    ("memberships",        "in",     200,   200,     200,    200),
    ("memberships",        "other",  404,   404,     404,    404),
    # the matrix's community sells nothing: a writer gets as far as "no such product"
    ("record payment",     "in",     404,   404,     403,    403),
    ("record payment",     "other",  404,   404,     403,    403),
    ("cancel membership",  "in",     404,   404,     403,    403),  # no such product either
    ("cancel membership",  "out",    404,   404,     403,    403),
    ("cancel membership",  "other",  404,   404,     403,    403),
    ("offers optout",      "in",     200,   200,     403,    403),
    ("offers optout",      "out",    200,   404,     403,    403),
    ("offers optout",      "other",  404,   404,     403,    403),
    ("plan offers",        "in",     200,   404,     403,    403),  # community-wide
    ("plan offers",        "other",  404,   404,     403,    403),
    ("commission",         "in",     200,   200,     403,    403),
    ("commission",         "other",  404,   404,     403,    403),
    ("commission payout",  "in",     409,   409,     403,    403),  # nobody is owed anything
    ("commission payout",  "out",    409,   404,     403,    403),
    ("commission payout",  "other",  404,   404,     403,    403),
    ("levels",             "in",     200,   200,     200,    200),
    ("levels",             "other",  404,   404,     404,    404),
    ("evaluate levels",    "in",     200,   403,     403,    403),
    ("evaluate levels",    "other",  404,   403,     403,    403),
    ("grant level",        "in",     200,   403,     403,    403),
    ("grant level",        "out",    200,   403,     403,    403),
    ("grant level",        "other",  404,   403,     403,    403),
    ("orgtasks",           "in",     200,   200,     200,    200),
    ("orgtasks",           "other",  404,   404,     404,    404),
    ("give orgtask",       "in",     200,   200,     403,    403),
    ("give orgtask",       "out",    200,   404,     403,    403),
    ("give orgtask",       "other",  404,   404,     403,    403),
    ("motions",            "in",     200,   200,     200,    200),
    ("motions",            "out",    200,   404,     404,    200),
    ("motions",            "other",  404,   404,     404,    404),
    ("propose motion",     "in",     200,   200,     200,    403),
    ("propose motion",     "out",    200,   404,     404,    403),
    ("propose motion",     "other",  404,   404,     404,    403),
    ("second motion",      "in",     200,   200,     200,    403),
    ("second motion",      "out",    200,   404,     404,    403),
    ("second motion",      "other",  404,   404,     404,    403),
    ("vote",               "in",     200,   200,     200,    403),
    ("vote",               "out",    200,   404,     404,    403),
    ("vote",               "other",  404,   404,     404,    403),
    ("elections",          "in",     200,   200,     200,    200),
    ("elections",          "other",  404,   404,     404,    404),
    ("open election",      "in",     200,   403,     403,    403),
    ("open election",      "out",    200,   403,     403,    403),
    ("open election",      "other",  404,   403,     403,    403),
    ("nominate",           "in",     200,   200,     200,    403),
    ("nominate",           "out",    200,   404,     404,    403),
    ("nominate",           "other",  404,   404,     404,    403),
    ("ballot",             "in",     200,   200,     200,    403),
    ("ballot",             "out",    200,   404,     404,    403),
    ("ballot",             "other",  404,   404,     404,    403),
    ("audit ballots",      "in",     200,   403,     403,    403),
    ("audit ballots",      "out",    200,   403,     403,    403),
    ("audit ballots",      "other",  404,   403,     403,    403),
    # the matrix's members stand already (a self-nomination is accepted as made): 409 is as
    # far as a writer gets; a scoped token's other group is 404, like a missing election
    ("accept nomination",  "in",     409,   409,     409,    403),
    ("accept nomination",  "out",    409,   404,     404,    403),
    ("accept nomination",  "other",  404,   404,     404,    403),
    ("coverage",           "in",     200,   200,     200,    200),
    ("coverage",           "other",  404,   404,     404,    404),
    ("handover",           "in",     409,   403,     403,    403),  # nobody holds a role here
    ("handover",           "other",  404,   403,     403,    403),
    ("sessions",           "in",     200,   200,     200,    200),
    ("sessions",           "out",    200,   404,     404,    200),
    ("sessions",           "other",  404,   404,     404,    404),
    ("plan session",       "in",     200,   200,     200,    403),
    ("plan session",       "out",    200,   404,     404,    403),
    ("plan session",       "other",  404,   404,     404,    403),
    ("session",            "in",     200,   200,     200,    200),
    ("session",            "out",    200,   404,     404,    200),
    ("session",            "other",  404,   404,     404,    404),
    ("move session",       "in",     200,   200,     200,    403),
    ("move session",       "out",    200,   404,     404,    403),
    ("move session",       "other",  404,   404,     404,    403),
    ("cancel session",     "in",     200,   200,     200,    403),
    ("cancel session",     "out",    200,   404,     404,    403),
    ("cancel session",     "other",  404,   404,     404,    403),
    ("ask session",        "in",     200,   200,     200,    403),
    ("ask session",        "out",    200,   404,     404,    403),
    ("ask session",        "other",  404,   404,     404,    403),
    ("session summary",    "in",     200,   200,     200,    403),
    ("session summary",    "out",    200,   404,     404,    403),
    ("session summary",    "other",  404,   404,     404,    403),
    ("checkin board",      "in",     200,   200,     200,    200),
    ("checkin board",      "out",    200,   404,     404,    200),
    ("checkin board",      "other",  404,   404,     404,    404),
    ("honours",            "in",     200,   200,     200,    200),
    ("honours",            "out",    200,   404,     404,    200),
    ("honours",            "other",  404,   404,     404,    404),
    ("nominate honour",    "in",     200,   200,     200,    403),
    ("nominate honour",    "out",    200,   404,     404,    403),
    ("nominate honour",    "other",  404,   404,     404,    403),
    ("content entries",    "in",     200,   200,     200,    200),
    ("content entries",    "out",    200,   404,     404,    200),
    ("content entries",    "other",  404,   404,     404,    404),
    ("create content entry", "in",   200,   200,     200,    403),
    ("create content entry", "out",  200,   404,     404,    403),
    ("create content entry", "other", 404,  404,     404,    403),
    ("content footer",     "in",     200,   200,     200,    200),
    ("content footer",     "out",    200,   404,     404,    200),
    ("content footer",     "other",  404,   404,     404,    404),
    ("meetups",            "in",     200,   200,     200,    200),
    ("meetups",            "out",    200,   404,     404,    200),
    ("meetups",            "other",  404,   404,     404,    404),
    ("plan meetup",        "in",     200,   200,     200,    403),
    ("plan meetup",        "out",    200,   404,     404,    403),
    ("plan meetup",        "other",  404,   404,     404,    403),
    ("meetup",             "in",     200,   200,     200,    200),
    ("meetup",             "out",    200,   404,     404,    200),
    ("meetup",             "other",  404,   404,     404,    404),
    ("rsvp meetup",        "in",     200,   200,     200,    403),
    ("rsvp meetup",        "out",    200,   404,     404,    403),
    ("rsvp meetup",        "other",  404,   404,     404,    403),
    ("qa",                 "in",     200,   200,     200,    200),
    ("qa",                 "out",    200,   404,     404,    200),
    ("qa",                 "other",  404,   404,     404,    404),
    ("qa export",          "in",     200,   200,     200,    200),
    ("qa export",          "out",    200,   404,     404,    200),
    ("qa export",          "other",  404,   404,     404,    404),
    ("ask qa",             "in",     200,   200,     200,    403),
    ("ask qa",             "out",    200,   404,     404,    403),
    ("ask qa",             "other",  404,   404,     404,    403),
    ("answer qa",          "in",     200,   200,     200,    403),
    ("answer qa",          "out",    200,   404,     404,    403),
    ("answer qa",          "other",  404,   404,     404,    403),
    ("points",             "in",     200,   200,     200,    200),
    ("points",             "out",    200,   404,     404,    200),
    ("points",             "other",  404,   404,     404,    404),
    ("spend points",       "in",     409,   409,     409,    403),  # nobody has a million
    ("spend points",       "out",    409,   404,     404,    403),
    ("spend points",       "other",  404,   404,     404,    403),
    ("revoke badge",       "in",     200,   200,     403,    403),  # not held: revoked false
    ("revoke badge",       "out",    200,   404,     403,    403),
    ("revoke badge",       "other",  404,   404,     403,    403),
    ("envelope tests",     "in",     200,   200,     200,    200),
    ("envelope tests",     "out",    200,   404,     404,    200),
    ("envelope tests",     "other",  404,   404,     404,    404),
    ("envelope test",      "in",     200,   200,     200,    403),
    ("envelope test",      "out",    200,   404,     404,    403),
    ("envelope test",      "other",  404,   404,     404,    403),
    ("envelope grab",      "in",     200,   200,     200,    403),
    ("envelope grab",      "out",    200,   404,     404,    403),
    ("envelope grab",      "other",  404,   404,     404,    403),
]
# fmt: on

ROUTES: dict[str, tuple[str, str]] = {
    "list communities": ("GET", "/communities"),
    "community": ("GET", "/communities/{community}"),
    "groups": ("GET", "/communities/{community}/groups"),
    "group": ("GET", "/communities/{community}/groups/{group}"),
    "members": ("GET", "/communities/{community}/members"),
    "members of group": ("GET", "/communities/{community}/members"),
    "member": ("GET", "/communities/{community}/members/{ref}"),
    "merge members": ("POST", "/communities/{community}/members/merge"),
    "events": ("GET", "/communities/{community}/events"),
    "events of group": ("GET", "/communities/{community}/events"),
    "append events": ("POST", "/communities/{community}/events"),
    "metrics": ("GET", "/communities/{community}/metrics"),
    "metric": ("GET", "/communities/{community}/metrics/{name}"),
    "report": ("GET", "/communities/{community}/report"),
    "diagnose": ("GET", "/communities/{community}/diagnose"),
    "import": ("POST", "/communities/{community}/imports"),
    "enter": ("POST", "/communities/{community}/entries"),
    "enter many": ("POST", "/communities/{community}/entries/batch"),
    "entries": ("GET", "/communities/{community}/entries"),
    "entries of group": ("GET", "/communities/{community}/entries"),
    "review application": ("POST", "/communities/{community}/groups/{group}/reviews"),
    "create link": ("POST", "/communities/{community}/links"),
    "campaigns": ("GET", "/communities/{community}/campaigns"),
    "configure campaign": ("PUT", "/communities/{community}/campaigns/{slug}"),
    "leaderboard": ("GET", "/communities/{community}/campaigns/{slug}/leaderboard"),
    "fraud cases": ("GET", "/communities/{community}/fraud-cases"),
    "review fraud case": ("POST", "/communities/{community}/fraud-cases/{case}/review"),
    "poster": ("POST", "/communities/{community}/members/{ref}/poster"),
    "actions": ("GET", "/communities/{community}/actions"),
    "action done": ("POST", "/communities/{community}/actions/{action_id}/done"),
    "action counts": ("GET", "/communities/{community}/actions/counts"),
    "action": ("GET", "/communities/{community}/actions/{action_id}"),
    "retry action": ("POST", "/communities/{community}/actions/{action_id}/retry"),
    "cancel action": ("POST", "/communities/{community}/actions/{action_id}/cancel"),
    "tasks": ("GET", "/communities/{community}/tasks"),
    "task done": ("POST", "/communities/{community}/tasks/{task_id}/done"),
    "moderation steps": ("GET", "/communities/{community}/moderation/steps"),
    "reverse step": ("POST", "/communities/{community}/moderation/steps/{step_id}/reverse"),
    "appeals": ("GET", "/communities/{community}/moderation/appeals"),
    "decide appeal": ("POST", "/communities/{community}/moderation/steps/{step_id}/appeal"),
    "file appeal": ("POST", "/communities/{community}/moderation/steps/{step_id}/appeals"),
    "report activity": ("POST", "/communities/{community}/moderation/activities"),
    "replay rules": ("GET", "/communities/{community}/moderation/replay"),
    "memberships": ("GET", "/communities/{community}/memberships"),
    "record payment": ("POST", "/communities/{community}/payments"),
    "cancel membership": ("POST", "/communities/{community}/memberships/cancel"),
    "offers optout": ("POST", "/communities/{community}/offers/optout"),
    "plan offers": ("POST", "/communities/{community}/offers/plan"),
    "commission": ("GET", "/communities/{community}/commission"),
    "commission payout": ("POST", "/communities/{community}/commission/payouts"),
    "levels": ("GET", "/communities/{community}/levels"),
    "evaluate levels": ("POST", "/communities/{community}/levels/evaluate"),
    "grant level": ("POST", "/communities/{community}/members/{ref}/level"),
    "orgtasks": ("GET", "/communities/{community}/orgtasks"),
    "give orgtask": ("POST", "/communities/{community}/orgtasks"),
    "motions": ("GET", "/communities/{community}/motions"),
    "propose motion": ("POST", "/communities/{community}/motions"),
    "second motion": ("POST", "/communities/{community}/motions/{motion}/second"),
    "vote": ("POST", "/communities/{community}/motions/{motion}/votes"),
    "elections": ("GET", "/communities/{community}/elections"),
    "open election": ("POST", "/communities/{community}/elections"),
    "nominate": ("POST", "/communities/{community}/elections/{election}/nominations"),
    "ballot": ("POST", "/communities/{community}/elections/{election}/ballots"),
    "audit ballots": ("GET", "/communities/{community}/elections/{election}/audit"),
    "accept nomination": ("POST", "/communities/{community}/elections/{election}/acceptances"),
    "coverage": ("GET", "/communities/{community}/coverage"),
    "handover": ("POST", "/communities/{community}/handover"),
    "sessions": ("GET", "/communities/{community}/sessions"),
    "plan session": ("POST", "/communities/{community}/sessions"),
    "session": ("GET", "/communities/{community}/sessions/{session}"),
    "move session": ("POST", "/communities/{community}/sessions/{session}/move"),
    "cancel session": ("POST", "/communities/{community}/sessions/{session}/cancel"),
    "ask session": ("POST", "/communities/{community}/sessions/{session}/questions"),
    "session summary": ("POST", "/communities/{community}/sessions/{session}/summary"),
    "checkin board": ("GET", "/communities/{community}/checkins/{group}/board"),
    "meetups": ("GET", "/communities/{community}/meetups"),
    "plan meetup": ("POST", "/communities/{community}/meetups"),
    "honours": ("GET", "/communities/{community}/honours"),
    "nominate honour": ("POST", "/communities/{community}/honours"),
    "meetup": ("GET", "/communities/{community}/meetups/{meetup}"),
    "content entries": ("GET", "/communities/{community}/content/entries"),
    "create content entry": ("POST", "/communities/{community}/content/entries"),
    "content footer": ("GET", "/communities/{community}/content/entries/{entry}/footer"),
    "rsvp meetup": ("POST", "/communities/{community}/meetups/{meetup}/rsvp"),
    "qa": ("GET", "/communities/{community}/qa"),
    "qa export": ("GET", "/communities/{community}/qa/export"),
    "ask qa": ("POST", "/communities/{community}/qa/questions"),
    "answer qa": ("POST", "/communities/{community}/qa/answers"),
    "points": ("GET", "/communities/{community}/points/{ref}"),
    "spend points": ("POST", "/communities/{community}/points/{ref}/spend"),
    "revoke badge": ("POST", "/communities/{community}/badges/{ref}/revoke"),
    "envelope tests": ("GET", "/communities/{community}/envelopes/tests"),
    "envelope test": ("POST", "/communities/{community}/envelopes/tests"),
    "envelope grab": ("POST", "/communities/{community}/envelopes/grabs"),
}
MODERATED = ("reverse step", "decide appeal")  # one step per route, role and group (menv)
SELF_INVITE = "mx-self-invite"  # the fraud case of the matrix (see ``menv``)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def menv(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Like ``database_url`` + ``build_env``, once per module and backend."""
    env = module_env(request, tmp_path_factory)
    for slug, group in (("mx-in", "main"), ("mx-out", "camp-21")):
        configure_campaign(env.store, C, Campaign(slug=slug, name=slug, groups=[group]))
    someone = env.people["main"][-1]  # invites themselves: a fraud case to review
    record(env.store, [Event("member.invited", datetime.now(UTC), C, "mx", SELF_INVITE,
                             group="main", actor=someone, subject=someone,
                             data={"campaign": "mx-in"})])  # fmt: skip
    with env.store.transaction() as conn:  # one community-wide action for a bot to report
        enqueue(conn, [Action("message.send", C, datetime.now(UTC), None, {"to": someone})])
        env.people["action"] = [str(max(a["id"] for a in list_actions(conn, community=C)))]
        for g in ("main", "camp-21"):  # one action and one task in each group (routes/actions)
            enqueue(conn, [Action("member.admit", C, datetime.now(UTC), g, {"identity": g})])
            (a,) = list_actions(conn, community=C, kind="member.admit", status=None, after=0,
                                limit=1000)[-1:]  # fmt: skip
            open_task(conn, key=f"mx-{g}", kind="action.review", community=C, group=g,
                      instruction="check", now=datetime.now(UTC), action_id=a["id"])  # fmt: skip
            env.people[f"action {g}"] = [str(a["id"])]
            env.people[f"task {g}"] = [str(list_tasks(conn, C, status=None)[-1]["id"])]
    _moderation_steps(env)
    _motions(env)
    _elections(env)
    _sessions(env)
    for g in ("main", "camp-21"):  # a meetup per group for the cells to show and answer
        m, _ = plan_meetup(env.store, C, g, title="matrix", venue="x", meetup=f"mx-meetup-{g}",
                           starts_at=datetime.now(UTC) + timedelta(days=30))  # fmt: skip
        env.people[f"meetup {g}"] = [m.plan.meetup]
        url = f"https://x.example/{g}"  # and a content entry per group
        content_entries.create_entry(env.store, C, title="matrix", url=url, group=g,
                                     entry=f"mx-entry-{g}", source="operator:cli")  # fmt: skip
    record(env.store, [Event("redenvelope.sent", datetime.now(UTC) - timedelta(minutes=5), C,
                             "mx", f"mx-envelope-{g}", group=g, actor=env.people[g][-1],
                             data={"envelope": g, "count": 5})
                       for g in ("main", "camp-21")])  # an envelope per group to grab  # fmt: skip
    for g in ("main", "camp-21"):  # a question per group for the cells to answer
        asked = message_data("matrix?")
        record(env.store, [Event("message.posted", datetime.now(UTC), C, "mx-qa", g, group=g,
                                 actor=env.people[g][0], data=asked)])  # fmt: skip
        env.people[f"question {g}"] = [f"mx-qa|{g}"]
    yield env
    env.close()


def _moderation_steps(env: Env) -> None:
    """A step of the ladder for each writing cell (reversing or deciding one twice is a
    conflict), with an appeal filed against it; ids under ``env.people``."""
    now = datetime.now(UTC)
    routes = (*MODERATED, "file appeal")  # a step not appealed yet, to appeal
    cells = [(r, ro, g) for r in routes for ro in ROLES for g in ("main", "camp-21")]
    member = env.people["main"][0]
    events = []
    for route, role, g in cells:
        ref = f"{route}-{role}-{g}"
        step = {"step_source": "mx-mod", "step_ref": ref}
        events.append(Event("moderation.applied", now, C, "mx-mod", ref, group=g,
                            subject=member, data={"step": "mute", "rule": "advert"}))  # fmt: skip
        if route in MODERATED:
            events.append(Event("appeal.filed", now, C, "mx-appeal", ref, group=g, actor=member,
                                data={**step, "text": "x"}))  # fmt: skip
    record(env.store, events)
    with env.store.read() as conn:
        ids = {e.source_ref: i for i, e in events_by(conn, C, ("moderation.applied",))}
    for route, role, g in cells:
        env.people[f"{route} {role} {g}"] = [str(ids[f"{route}-{role}-{g}"])]


def _motions(env: Env) -> None:
    """A motion to second per role and group, and one open motion per group to vote on; the
    cells second and vote as main[0] / camp-21[1], so another member moves."""
    main, camp = env.people["main"], env.people["camp-21"]
    for g, mover, seconder in (("main", main[1], main[0]), ("camp-21", camp[0], camp[1])):
        for role in ROLES:
            m = propose(env.store, C, g, mover, "matrix")
            env.people[f"second motion {role} {g}"] = [m.motion]
        m = propose(env.store, C, g, mover, "matrix")
        second(env.store, C, m.motion, seconder)
        env.people[f"vote {g}"] = [m.motion]


def _sessions(env: Env) -> None:
    """A session per group for the cells to show, move, ask and summarize, and another to
    cancel (a cancelled session cannot move); ids under ``env.people``."""
    at = datetime.now(UTC) + timedelta(days=30)
    for g in ("main", "camp-21"):
        for use in ("session", "cancel session"):
            sid = f"mx-{use.split()[0]}-{g}"
            plan_session(env.store, C, g, title="matrix", starts_at=at, session=sid)
            env.people[f"{use} {g}"] = [sid]


def _elections(env: Env) -> None:
    """An election per role and group taking nominations, and one per group taking ballots
    (opened three and a half days ago), where main[0] / camp-21[1] stand and vote."""
    now = datetime.now(UTC)
    for g, me in (("main", env.people["main"][0]), ("camp-21", env.people["camp-21"][1])):
        for role in ROLES:
            env.people[f"nominate {role} {g}"] = [open_election(env.store, C, g, now=now).election]
        el = open_election(env.store, C, g, now=now - timedelta(days=3.5))
        nominate(env.store, C, el.election, me, me, now=now - timedelta(days=3))
        env.people[f"ballot {g}"] = [el.election]


def build_request(env: Env, route: str, scope: str, role: str) -> tuple[str, str, dict[str, Any]]:
    """Method, path and request arguments of one cell."""
    community = OTHER if scope == "other" else C
    group = "camp-21" if scope == "out" else "main"
    main, camp = env.people["main"], env.people["camp-21"]
    method, template = ROUTES[route]
    kw: dict[str, Any] = {}
    ref = camp[1] if scope == "out" else main[0]
    slug = "mx-out" if scope == "out" else "mx-in"
    if route == "configure campaign":
        slug = f"mx-put-{role}-{scope}"
    path = template.format(
        community=community,
        group=group,
        ref=ref,
        name="activity",
        slug=slug,
        case=f"case:{SELF_INVITE}",
        action_id=env.people["action" if route == "action done" else f"action {group}"][0],
        task_id=env.people[f"task {group}"][0],
        step_id=env.people.get(f"{route} {role} {group}", ["1"])[0],
        motion=env.people.get(f"{route} {role} {group}", env.people[f"vote {group}"])[0],
        election=env.people.get(f"{route} {role} {group}", env.people[f"ballot {group}"])[0],
        session=env.people.get(f"{route} {group}", env.people[f"session {group}"])[0],
        meetup=env.people[f"meetup {group}"][0],
        entry=f"mx-entry-{group}",
    )
    if route == "enter":
        kw["json"] = {"identity": f"wechat:mx-{role}-{scope}", "group": group}
    elif route == "enter many":
        who = [f"wechat:mx-many-{role}-{scope}-{n}" for n in range(2)]
        kw["json"] = {"entries": [{"identity": k, "group": group} for k in who]}
    elif route == "review application":
        kw["json"] = {"applicant": ref, "judge": "wechat:mx-judge", "verdict": "approve"}
    elif route == "create link":
        kw["json"] = {"purpose": "live_code", "groups": [group]}
    elif route == "configure campaign":
        kw["json"] = {"name": slug, "groups": [group]}
    elif route == "review fraud case":
        kw["json"] = {"verdict": "upheld"}
    elif route == "action done":
        kw["json"] = {"outcome": "done"}
    elif route == "record payment" or route == "cancel membership":
        kw["json"] = {"member": ref, "product": "none", "ref": f"mx-{role}-{scope}"}
    elif route == "offers optout":
        kw["json"] = {"member": ref}
    elif route == "plan offers" or route == "evaluate levels":
        kw["json"] = {"dry_run": True}
    elif route == "commission payout":
        kw["json"] = {"agent": ref, "amount": "1", "note": "matrix"}
    elif route == "spend points":
        kw["json"] = {"amount": 10**6, "reward": "matrix"}
    elif route == "revoke badge":
        kw["json"] = {"badge": "answers", "level": 10, "reason": "matrix"}
    elif route == "grant level":
        kw["json"] = {"level": 1, "reason": "matrix"}
    elif route == "give orgtask":
        kw["json"] = {"member": ref, "title": f"matrix {role}"}
    elif route == "propose motion":
        kw["json"] = {"group": group, "mover": ref, "text": f"matrix {role}"}
    elif route == "second motion":
        kw["json"] = {"member": ref}
    elif route == "vote":
        kw["json"] = {"member": ref, "choice": "yes"}
    elif route == "open election":
        kw["json"] = {"group": group}
    elif route == "nominate":
        kw["json"] = {"nominator": ref, "nominee": ref}
    elif route == "ballot":
        kw["json"] = {"voter": ref, "candidate": ref}
    elif route == "accept nomination":
        kw["json"] = {"nominee": ref}
    elif route == "handover":
        kw["json"] = {"leaver": ref, "successor": main[1]}
    elif route == "plan session":
        kw["json"] = {"group": group, "title": f"matrix {role}", "at": "2999-01-01T20:00"}
    elif route == "create content entry":
        kw["json"] = {"title": "matrix", "url": f"https://x.example/{role}-{scope}", "group": group}
    elif route == "nominate honour":
        kw["json"] = {"group": group, "member": ref, "title": "matrix", "story": f"matrix {role}"}
    elif route == "plan meetup":
        kw["json"] = {"group": group, "title": f"matrix {role}", "venue": "x",
                      "at": "2999-01-01T20:00"}  # fmt: skip
    elif route == "move session":
        kw["json"] = {"at": "2998-01-01T20:00"}
    elif route == "cancel session":
        kw["json"] = {"reason": "matrix"}
    elif route == "ask session":
        kw["json"] = {"member": ref, "text": f"matrix {role}?", "ref": f"mx-{role}-{scope}"}
    elif route == "rsvp meetup":
        kw["json"] = {"member": ref, "answer": "yes", "ref": f"mx-{role}-{scope}"}
    elif route == "session summary":
        kw["json"] = {"text": "matrix"}
    elif route == "ask qa":
        kw["json"] = {"member": ref, "text": f"matrix {role}?", "group": group}
    elif route == "answer qa":
        kw["json"] = {"question": env.people[f"question {group}"][0], "text": f"matrix {role}"}
    elif route == "envelope test":
        kw["json"] = {"group": group}
    elif route == "envelope grab":
        kw["json"] = {"group": group, "member": ref, "amount": 0.5}
    elif route == "file appeal":
        kw["json"] = {"text": f"matrix {role}"}
    elif route == "report activity":
        kw["json"] = {"member": ref, "group": group, "title": "matrix", "ref": f"mx-{role}-{scope}"}
    elif route in MODERATED:
        kw["json"] = {"reason": "matrix", **({"outcome": "upheld"} if "appeal" in route else {})}
    if (
        route.endswith("of group")
        or route in ("metric", "report", "diagnose")
        or (
            route
            in (
                "moderation steps",
                "appeals",
                "replay rules",
                "motions",
                "sessions",
                "meetups",
                "honours",
                "content entries",
                "qa",
                "qa export",
                "envelope tests",
            )
            and scope == "out"
        )
    ):
        kw["params"] = {"group": group}
    if route == "merge members":
        pairs = {
            ("owner", "in"): (main[1], main[2]),
            ("manager", "in"): (main[3], main[4]),
            ("owner", "out"): (main[5], camp[0]),
        }
        keep, absorb = pairs.get((role, scope), (main[0], camp[1]))
        kw["json"] = {"keep": keep, "absorb": absorb}
    elif route == "append events":
        kw["json"] = {"events": [event(f"matrix-{role}-{scope}", group=group, community=community)]}
    elif route == "import":
        line = {**event(f"import-{role}-{scope}", group=group), "source": "up", "community": C}
        kw["files"] = {"file": ("chat.jsonl", json.dumps(line).encode(), "text/plain")}
        kw["data"] = {"group": group}
    return method, V1 + path, kw


@pytest.mark.parametrize(
    ("route", "scope", "expected"),
    [
        pytest.param(r, s, dict(zip(ROLES, codes, strict=True)), id=f"{r}-{s}")
        for r, s, *codes in MATRIX
    ],
)
def test_permission_matrix(menv: Env, route: str, scope: str, expected: dict[str, int]) -> None:
    got = {}
    for role in ROLES:
        method, path, kw = build_request(menv, route, scope, role)
        r = menv.as_(role).request(method, path, **kw)
        got[role] = r.status_code
        if r.status_code >= 400:
            assert_problem(r, r.status_code)
    assert got == expected


def test_matrix_covers_every_route(menv: Env) -> None:
    """A new route without rows in the matrix fails here."""
    doc = menv.client.get(f"{V1}/openapi.json").json()
    served = {(m.upper(), p.removeprefix(V1)) for p, ops in doc["paths"].items() for m in ops}
    in_matrix = {ROUTES[r] for r, *_ in MATRIX}
    assert served == in_matrix


def test_out_of_scope_looks_exactly_like_missing(menv: Env) -> None:
    manager = menv.as_("manager")
    hidden = assert_problem(manager.get(f"communities/{C}/groups/camp-21"), 404)
    missing = assert_problem(manager.get(f"communities/{C}/groups/no-such"), 404)
    assert set(hidden) == set(missing)
    assert hidden["detail"].replace("camp-21", "X") == missing["detail"].replace("no-such", "X")
    other = assert_problem(manager.get(f"communities/{OTHER}"), 404)
    nowhere = assert_problem(manager.get("communities/nowhere"), 404)
    assert other["detail"].replace(OTHER, "X") == nowhere["detail"].replace("nowhere", "X")


def test_scoped_tokens_see_only_their_groups(menv: Env) -> None:
    for role in ("manager", "group_leader"):
        client = menv.as_(role)
        groups = client.get(f"communities/{C}/groups").json()
        assert [g["slug"] for g in groups] == ["main"]
        members = client.get(f"communities/{C}/members", params={"limit": 500}).json()["items"]
        assert members and {s["group"] for m in members for s in m["memberships"]} == {"main"}
        events = client.get(f"communities/{C}/events", params={"limit": 1000}).json()["items"]
        assert events and {e["group"] for e in events} == {"main"}
        metric = client.get(f"communities/{C}/metrics/life_cycle").json()
        assert [r["group"] for r in metric["results"]] == ["main"]
        assert {row["group"] for row in metric["results"][0]["rows"]} == {"main"}
        report = client.get(f"communities/{C}/report").json()["reports"]
        assert [r["group"] for r in report] == ["main"]
        moves = client.get(f"communities/{C}/diagnose").json()
        assert {m["group"] for m in moves} <= {"main"}


def test_scoped_writes_stay_in_scope(menv: Env) -> None:
    leader = menv.as_("group_leader")
    everyone = {"events": [event("leader-wide", group=None)]}
    assert_problem(leader.post(f"communities/{C}/events", json=everyone), 403)
    line = json.dumps({**event("leader-upload"), "source": "up", "community": C})
    files = {"file": ("chat.jsonl", line.encode(), "text/plain")}
    assert_problem(leader.post(f"communities/{C}/imports", files=files), 422, "group")
