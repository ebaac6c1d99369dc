"""Message templates of the pyramid (P-ORG-1..3), joined into ``TEMPLATES``.

Beside ``templates_table.py`` like the engagement texts, with the same contract: the engine
fills the variables, the blueprint may reword each text in zh and en. ``templates_table``
passes its ``TemplateSpec`` in (this module does not import it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shequn.model.templates_table import TemplateSpec


def org_rows(TemplateSpec: type[TemplateSpec]) -> tuple[TemplateSpec, ...]:
    """The organization templates, built with ``templates_table.TemplateSpec``."""
    return (
        TemplateSpec(
            "level_up",
            "a member reached a higher level (by the blueprint's requirements or by hand): "
            "told privately",
            "成员升到更高等级（按蓝图要求自动或手动授予）：私信告知",
            "message.send",
            {"level": "the level's name in the community's language"},
            "恭喜！你在{{ community }}的等级升为「{{ level }}」，感谢你的参与和贡献。",
            "Congratulations! You are now a {{ level }} in {{ community }}. Thank you for all "
            "you do here.",
            {"level": "骨干成员"},
        ),
    )
