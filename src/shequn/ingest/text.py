"""Reading meaning off message text: moved to :mod:`shequn.model.text` so live connectors
share it with the importers; kept here so the importers' imports stay as they are."""

from __future__ import annotations

from shequn.model.text import first_link, has_link, is_question, message_data

__all__ = ["first_link", "has_link", "is_question", "message_data"]
