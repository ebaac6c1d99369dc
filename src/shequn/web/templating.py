"""The Jinja2 environment of the dashboard and of the standalone report: one place that says
where templates and static files live, with autoescaping on for every template."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from shequn.model.words import MEMBERSHIP, SEVERITY

HERE = Path(str(files("shequn.web")))
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def environment() -> Environment:
    """A fresh environment (autoescaping HTML; ``tojson`` escapes ``<``, ``>`` and ``&`` so
    chart data embedded in a ``<script>`` element cannot close it)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["severity"] = SEVERITY  # an alert's severity as a person reads it
    env.globals["membership"] = MEMBERSHIP  # and a membership's status
    return env


def static_text(name: str) -> str:
    """A vendored static file's text (for inlining into the standalone report)."""
    return (STATIC / name).read_text(encoding="utf-8")
