"""The blueprint a community runs by, as the replica knows it.

Every seed figure is a blueprint default (``model/blueprint*.py``), and an operator may
change one in the TOML file. The metrics and the diagnosis run over the replica, not the
store, so they read the blueprint from the log: ``shequn blueprint load`` writes it whole
into the ``community.configured`` event, and the latest one is in force. A metric asked for
by name, the report, the dashboard and the API then all measure with the community's own
7-day rule, dead-group test and planned life, without each caller handing them over.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from shequn.analytics import portable
from shequn.model.blueprint import Blueprint
from shequn.model.i18n import pick


def configured_blueprint(con: Any, community: str) -> Blueprint | None:
    """The latest blueprint of ``community`` in the replica; ``None`` when there is none or
    it no longer validates (then the defaults hold). Read the same on DuckDB and Spark
    (``analytics/portable.py``): the newest ``community.configured`` (largest id) that
    carries one, its JSON parsed here, in Python."""
    import ibis  # lazy: only metrics need it

    t = portable.ev()
    said = t.filter(t.community == community, t.kind == "community.configured")
    said = said.select("id", blueprint=portable.field(con, said.data, "blueprint"))
    said = said.filter(said.blueprint.notnull())
    rows = portable.fetch(con, said.order_by(ibis.desc("id")).limit(1).select("blueprint"))
    if not rows:
        return None
    try:
        return Blueprint.model_validate(json.loads(rows[0][0]))
    except (ValidationError, ValueError):
        return None


def configured_language(con: Any, community: str) -> str:
    """The language the community's people read (``community.language``; English when the
    log has no blueprint or says something shequn does not speak). Read alone, without
    validating the whole blueprint, so a report still speaks it when the rest is off.
    Read the same on DuckDB and Spark (``analytics/portable.py``)."""
    import ibis  # lazy: only metrics need it

    t = portable.ev()
    said = t.filter(t.community == community, t.kind == "community.configured")
    newest = said.order_by(ibis.desc("id")).limit(1)
    rows = portable.fetch(con, newest.select(lang=portable.field(con, newest.data, LANGUAGE)))
    return pick(rows[0][0] if rows else None)


LANGUAGE = "blueprint.community.language"
"""Where ``community.configured`` says the community's language (a JSON path)."""
