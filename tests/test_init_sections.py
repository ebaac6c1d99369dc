"""``shequn init`` writes every section of the blueprint (docs/blueprint.md promises it),
commented at the schema's own defaults, so a chapter added to the schema appears by itself."""

from __future__ import annotations

import tomllib

from pydantic import BaseModel

from shequn.model.blueprint import Blueprint, parse_blueprint
from shequn.model.blueprint_template import render_blueprint


def starter() -> str:
    return render_blueprint(slug="demo", name="Demo", founder="me", pain_point="x",
                            start_date="2026-01-01", groups=2)  # fmt: skip


def test_every_section_is_in_the_starter_file() -> None:
    text = starter()
    for name, field in Blueprint.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            assert f"[{name}]" in text, name
    assert "# [groups.entry]" in text and "# wave_size = 20" in text
    assert "# [fission.fraud]" in text
    assert "# [plan]" in text and "# invite_rate = 3.0" in text and "# seven_day_days = 7" in text
    assert "# [plan.conversion]" in text


def test_uncommenting_a_default_changes_nothing() -> None:
    text = starter()
    assert parse_blueprint(text, "starter") == parse_blueprint(
        text.replace("# [fission]\n", "[fission]\n").replace(
            "# attribution_window_days = 7.0", "attribution_window_days = 7.0"
        ),
        "starter",
    )
    tomllib.loads(text)  # and the file itself is valid TOML
