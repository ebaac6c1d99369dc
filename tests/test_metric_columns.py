"""Every metric's columns read in Chinese: ``shequn metrics NAME``, the report and the
dashboard name a result's fields through the catalogue (``model/words.COLUMNS``), so a metric
that grows a field without a word for it would show that field in English on a zh community."""

from __future__ import annotations

import dataclasses
import typing

from shequn.analytics.registry import all_metrics
from shequn.model.i18n import translator


def result_fields(compute: typing.Callable[..., typing.Any]) -> list[str]:
    """The fields of what ``compute`` returns (a dataclass, or a list of them)."""
    returned = typing.get_type_hints(compute)["return"]
    shape = (typing.get_args(returned) or (returned,))[0]
    assert dataclasses.is_dataclass(shape), f"{compute.__name__} returns {returned}"
    return [f.name for f in dataclasses.fields(shape)]


def test_every_column_of_every_metric_has_its_chinese_word() -> None:
    zh = translator("zh")
    english = {
        name: [f for f in result_fields(m.compute) if zh(f) == f]
        for name, m in all_metrics().items()
    }
    assert {name: left for name, left in english.items() if left} == {}
    assert zh("net") == "净收入" and zh("seven_day_rule") == "七天法则"
    assert translator("en")("net") == "net"  # English keeps the field's own name
