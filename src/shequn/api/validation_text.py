"""A request that does not validate, said in the reader's language (the problem's ``message``).

FastAPI validates a request with pydantic, whose sentences are English and have no catalogue of
their own. Each error carries a ``type`` (``less_than_equal``) and its context (``{"le": 500}``),
so the errors a client meets most are message ids here, filled from that context; a type not
listed keeps pydantic's English. The problem's ``detail`` and its ``errors`` keep pydantic's own
words (docs/api.md#errors); English readers get pydantic's sentence as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shequn.model.i18n import N_, Said

BY_TYPE: dict[str, str] = {
    "missing": N_("Field required"),
    "less_than_equal": N_("Input should be less than or equal to {le}"),
    "less_than": N_("Input should be less than {lt}"),
    "greater_than_equal": N_("Input should be greater than or equal to {ge}"),
    "greater_than": N_("Input should be greater than {gt}"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_type": N_("Input should be a valid integer"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "float_type": N_("Input should be a valid number"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "bool_type": N_("Input should be a valid boolean"),
    "string_type": N_("Input should be a valid string"),
    "string_too_short": N_("String should have at least {min_length} character(s)"),
    "string_too_long": N_("String should have at most {max_length} character(s)"),
    "string_pattern_mismatch": N_("String should match pattern '{pattern}'"),
    "literal_error": N_("Input should be {expected}"),
    "enum": N_("Input should be {expected}"),
    "datetime_parsing": N_("Input should be a valid datetime, {error}"),
    "datetime_from_date_parsing": N_("Input should be a valid datetime or date, {error}"),
    "date_parsing": N_("Input should be a valid date in the format YYYY-MM-DD, {error}"),
    "date_from_datetime_parsing": N_("Input should be a valid date or datetime, {error}"),
    "timezone_aware": N_("Input should have timezone info"),
    "json_invalid": N_("Invalid JSON: {error}"),
    "dict_type": N_("Input should be a valid dictionary"),
    "model_attributes_type": N_(
        "Input should be a valid dictionary or object to extract fields from"
    ),
    "list_type": N_("Input should be a valid list"),
    "too_long": N_("List should have at most {max_length} item(s), not {actual_length}"),
    "too_short": N_("List should have at least {min_length} item(s), not {actual_length}"),
    "extra_forbidden": N_("Extra inputs are not permitted"),
    "value_error": N_("Value error, {error}"),
}
"""pydantic's error types a client meets, as message ids over their context."""


def said_problem(error: Mapping[str, Any]) -> str:
    """One pydantic error's sentence as a :class:`Said` when its type is listed (an argument
    that is itself said — a validator's ``ValueError(Said(…))`` — stays said), else its
    English ``msg``."""
    msgid = BY_TYPE.get(str(error.get("type")))
    english = str(error.get("msg", "invalid"))
    if msgid is None:
        return english
    context = {k: _said_arg(v) for k, v in dict(error.get("ctx") or {}).items()}
    try:
        return Said(msgid, **context)
    except (KeyError, IndexError, ValueError):  # a context without what the id names
        return english


def _said_arg(value: Any) -> Any:
    """A validator's exception says its first argument (a ``Said`` when it was raised so)."""
    if isinstance(value, Exception):
        return value.args[0] if value.args and isinstance(value.args[0], Said) else str(value)
    return value
