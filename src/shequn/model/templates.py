"""Message templates: the engine names a text, the worker renders it at send time.

The engine decides *what* to say — ``{"template": "reward", "campaign": …, "reward": …}`` —
and never the words, so an operator can reword every message in the blueprint and a change
reaches actions already queued. :func:`render_payload` picks the text that governs (see
:func:`governing_text`) in the community's ``language`` and renders it with Jinja2's sandbox:
autoescape off (chat text, not HTML), :class:`~jinja2.StrictUndefined` (a missing variable is
an error, never an empty hole in a message), and no attribute tricks (``{{ ''.__class__ }}``
fails instead of leaking Python internals).

Which text governs, most specific first::

    [[groups]] … [groups.templates.reward] zh/en   per group, per language
    [[groups]] … [groups.entry] welcome/welcome_back/rejection   per group, both languages
    [templates.reward] zh/en                       per community
    the default shipped in templates_table.TEMPLATES

Texts written before templates used ``{names}``-style placeholders; a text that contains no
Jinja markup (``{{``, ``{%``, ``{#``) is read in that form, ``{names}`` meaning ``{{ names }}``,
so old blueprints keep working unchanged (decided in issue 14; see docs/templates.md).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints

from shequn.errors import BlueprintError, NotFound, ShequnError
from shequn.model.i18n import Said, said_from, tr
from shequn.model.templates_table import (
    LANGS,
    LEGACY_ENTRY_KEYS,
    TEMPLATES,
    Lang,
    TemplateSpec,
)

if TYPE_CHECKING:
    from jinja2 import Template
    from jinja2.sandbox import SandboxedEnvironment

    from shequn.model.blueprint import Blueprint

__all__ = [
    "TEMPLATES",
    "Localized",
    "governing_text",
    "render_payload",
    "render_text",
    "template_problems",
    "template_variables",
]

Problem = tuple[str, str]
Text = Annotated[str, StringConstraints(min_length=1)]

SEPARATOR: dict[Lang, str] = {"zh": "、", "en": ", "}
"""How a list variable (the names of a wave) is joined in each language."""

_NOT_VARIABLES = frozenset({"template", "text", "to"})
"""Payload keys that address or select the message rather than fill it."""
_MARKUP = ("{{", "{%", "{#")
_LEGACY = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class Localized(BaseModel):
    """An override of one template: ``zh`` and/or ``en`` (a missing language keeps the text
    of the next level down, so overriding only the community's language is enough)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    zh: Text | None = None
    en: Text | None = None


def render_payload(blueprint: Blueprint, payload: Mapping[str, Any]) -> str:
    """The text to send for an action's payload.

    ``{"template": name, **variables}`` renders that template in the community's language
    (the group's override when the payload names a ``group``); ``{"text": …}`` is sent as is
    (actions queued before templates, and operator-written messages). Raises
    :class:`BlueprintError` naming the key path of a text that fails to render, and
    :class:`NotFound` for a template name shequn does not know.
    """
    name = payload.get("template")
    if isinstance(name, str):
        lang: Lang = blueprint.community.language
        group = payload.get("group")
        text, where = governing_text(
            blueprint, name, lang, group if isinstance(group, str) else None
        )
        return render_text(text, template_variables(blueprint, payload, lang), where)
    if "text" in payload:
        return str(payload["text"])
    raise ShequnError(Said("a message payload needs 'template' or 'text'"), keys=sorted(payload))


def governing_text(
    blueprint: Blueprint, name: str, lang: Lang, group: str | None = None
) -> tuple[str, str]:
    """``(text, key path)`` of the text that governs template ``name`` (order in the module
    docstring); the key path is ``default.<name>.<lang>`` for the shipped default."""
    spec = _spec(name)
    for i, g in enumerate(blueprint.groups):
        if g.slug != group:
            continue
        local = g.templates.get(name)
        if local is not None and getattr(local, lang) is not None:
            return getattr(local, lang), f"groups[{i}].templates.{name}.{lang}"
        for key, template in LEGACY_ENTRY_KEYS.items():
            legacy = getattr(g.entry, key)
            if template == name and legacy is not None:
                return legacy, f"groups[{i}].entry.{key}"
    own = blueprint.templates.get(name)
    if own is not None and getattr(own, lang) is not None:
        return getattr(own, lang), f"templates.{name}.{lang}"
    return spec.default(lang), f"default.{name}.{lang}"


SAID_SUFFIX = "_said"
"""A payload key ``X_said`` (``i18n.said_payload``) gives variable ``X`` in the language the
text is rendered in; ``X`` itself holds the English, for logs and tasks."""


def template_variables(
    blueprint: Blueprint, payload: Mapping[str, Any], lang: Lang
) -> dict[str, Any]:
    """The variables a text sees: the common ones (community, group, member) from the
    blueprint and the payload, then the payload's own; lists joined for ``lang``."""
    group = payload.get("group")
    names = {g.slug: g.name for g in blueprint.groups}
    to = payload.get("to")
    values: dict[str, Any] = {
        "community": blueprint.community.name,
        "member": _short(to) if isinstance(to, str) else "",
    }
    values.update((k, v) for k, v in payload.items() if k not in _NOT_VARIABLES)
    for key, said in payload.items():  # "reason_said": the reason in the reader's language
        if key.endswith(SAID_SUFFIX) and isinstance(said, Mapping):
            values.pop(key, None)
            values[key.removesuffix(SAID_SUFFIX)] = tr(lang, said_from(said))
    values["group"] = names.get(group, group) if isinstance(group, str) else ""
    return {
        k: SEPARATOR[lang].join(map(str, v)) if isinstance(v, list) else v
        for k, v in values.items()
    }


def render_text(text: str, variables: Mapping[str, Any], where: str) -> str:
    """Render one text in the sandbox; any failure is a :class:`BlueprintError` at ``where``."""
    from jinja2 import TemplateError

    try:
        return _compiled(_jinja_source(text)).render(**variables)
    except TemplateError as e:
        raise BlueprintError("<blueprint>", [(where, _describe(e))]) from e


def template_problems(data: Mapping[str, Any]) -> list[Problem]:
    """Every problem of the template texts in raw (possibly invalid) blueprint data, each with
    its key path: an unknown template, a text that does not compile, an unknown variable."""
    problems = _table_problems(data.get("templates"), "templates")
    groups = data.get("groups")
    for i, g in enumerate(groups if isinstance(groups, list) else []):
        if not isinstance(g, Mapping):
            continue
        problems += _table_problems(g.get("templates"), f"groups[{i}].templates")
        entry = g.get("entry")
        for key, name in LEGACY_ENTRY_KEYS.items():
            text = entry.get(key) if isinstance(entry, Mapping) else None
            if isinstance(text, str):
                problems += _text_problems(text, TEMPLATES[name], f"groups[{i}].entry.{key}")
    return problems


def _table_problems(table: object, path: str) -> list[Problem]:
    if not isinstance(table, Mapping):
        return []  # not a table: pydantic says so
    problems: list[Problem] = []
    for name, texts in table.items():
        spec = TEMPLATES.get(name)
        if spec is None:
            close = difflib.get_close_matches(str(name), list(TEMPLATES), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            message = f"unknown template{hint} (`shequn templates list` shows them all)"
            problems.append((f"{path}.{name}", message))
            continue
        for lang in LANGS:
            text = texts.get(lang) if isinstance(texts, Mapping) else None
            if isinstance(text, str):
                problems += _text_problems(text, spec, f"{path}.{name}.{lang}")
    return problems


def _text_problems(text: str, spec: TemplateSpec, where: str) -> list[Problem]:
    """Compile ``text`` and compare the variables it names with those ``spec`` allows."""
    from jinja2 import TemplateSyntaxError, meta, nodes

    try:
        ast = _environment().parse(_jinja_source(text))
    except TemplateSyntaxError as e:
        return [(where, f"does not compile: {e.message} (line {e.lineno})")]
    problems: list[Problem] = []
    allowed = spec.allowed
    for name in sorted(meta.find_undeclared_variables(ast) - set(allowed)):
        close = difflib.get_close_matches(name, list(allowed), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        known = ", ".join(allowed)
        problems.append((where, f"unknown variable {name!r} ({hint}{spec.name} knows {known})"))
    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        key = node.arg if isinstance(node, nodes.Getitem) else None
        attr = node.attr if isinstance(node, nodes.Getattr) else getattr(key, "value", None)
        if isinstance(attr, str):
            message = f"attribute {attr!r}: templates see values, not Python; use a filter"
            problems.append((where, message + " such as {{ reward | upper }}"))
    return problems


def _jinja_source(text: str) -> str:
    """Jinja source of an operator's text: ``{names}`` placeholders (the form before
    templates) become ``{{ names }}`` when the text has no Jinja markup of its own."""
    if any(mark in text for mark in _MARKUP):
        return text
    return _LEGACY.sub(r"{{ \1 }}", text)


def _spec(name: str) -> TemplateSpec:
    spec = TEMPLATES.get(name)
    if spec is None:
        raise NotFound(Said("no message template {name!r}", name=name), template=name)
    return spec


def _short(identity: str) -> str:
    return identity.split(":", 1)[1] if ":" in identity else identity


def _describe(error: Exception) -> str:
    from jinja2 import TemplateSyntaxError, UndefinedError
    from jinja2.exceptions import SecurityError

    if isinstance(error, TemplateSyntaxError):
        return f"does not compile: {error.message} (line {error.lineno})"
    if isinstance(error, SecurityError):
        return f"refused by the sandbox: {error}"
    if isinstance(error, UndefinedError):
        return f"cannot render: {error.message}"
    return f"cannot render: {error}"


@lru_cache(maxsize=1)
def _environment() -> SandboxedEnvironment:
    """One sandbox for every message; built on first use so ``import shequn`` stays light."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    class ChatSandbox(SandboxedEnvironment):
        """No attributes at all: a message needs values and filters (``{{ names | upper }}``),
        never ``.format`` or ``.__class__``, so nothing of Python can reach a chat."""

        def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
            return False  # ``x["attr"]`` on an object

        def getattr(self, obj: Any, attribute: str) -> Any:
            return self.unsafe_undefined(obj, attribute)  # ``x.attr``, ``.format`` included

    return ChatSandbox(autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True)


@lru_cache(maxsize=512)
def _compiled(source: str) -> Template:
    """Compile each distinct text once: a burst of 500 welcomes renders one template."""
    return _environment().from_string(source)
