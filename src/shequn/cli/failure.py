"""An error as the person at the command line reads it: ``error: …`` in the command's language.

What of an error is said through the catalogue is put together in
:mod:`shequn.model.error_text` (the API's problem ``message`` says it the same way); an error
raised as plain English stays English here.
"""

from __future__ import annotations

from shequn.cli.common import say
from shequn.errors import ShequnError
from shequn.model.error_text import said_error as said_error
from shequn.model.i18n import Said


def error_line(e: ShequnError) -> str:
    """``error: …`` where the error is said in the catalogue; an error raised as plain English
    stays English, prefix and all, rather than half translated."""
    said = said_error(e)
    if said is None:
        return f"error: {e}"
    return say(Said("error: {message}", message=said))
