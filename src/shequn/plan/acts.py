"""How a diagnosis's move is carried out, where shequn can do it: the command and the API
call an operator runs (``Hit.act``). Advice only — nothing here plans or sends anything; the
operator reads it, chooses the topic and the time, and runs it (P-PLAN-2 → P-ENG-2).

``{community}`` stays a placeholder here; :func:`shequn.plan.diagnose.diagnose` fills it in.
"""

from __future__ import annotations

import json
from datetime import date

TOPIC = "主题 topic"
"""The title placeholder, in both languages: the operator writes the real topic."""


def envelope_test(group: str) -> dict[str, str]:
    """``envelope test`` for ``group``: an operator task to send the test envelope; the
    worker judges it after ``[engagement.envelopes] test_hours`` (P-ENG-4)."""
    body = json.dumps({"group": group})
    return {
        "command": f"shequn envelope test {group}",
        "api": f"POST /api/v1/communities/{{community}}/envelopes/tests {body}",
    }


def plan_session(group: str, day: date) -> dict[str, str]:
    """``session plan`` for ``group`` at 20:00 local ``day`` (far enough ahead for the seed's
    announcement 3–5 days before)."""
    at = f"{day.isoformat()}T20:00"
    body = json.dumps({"group": group, "title": TOPIC, "at": at}, ensure_ascii=False)
    return {
        "command": f'shequn session plan {group} --title "{TOPIC}" --at {at}',
        "api": f"POST /api/v1/communities/{{community}}/sessions {body}",
    }


def plan_offers() -> dict[str, str]:
    """``offers plan --dry-run``: who would get a private offer of the next rung and why the
    others would not ([[money.offers]] decides, and respects opt-outs); the operator then runs
    it without ``--dry-run`` (P-PLAN-2 → P-MON-3). Offers are planned for the community, not
    one group: the rules name the lower rung."""
    body = json.dumps({"dry_run": True})
    return {
        "command": "shequn offers plan --dry-run",
        "api": f"POST /api/v1/communities/{{community}}/offers/plan {body}",
    }
