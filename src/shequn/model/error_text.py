"""An error's sentence as something said (a :class:`Said`), for every interface that shows it.

:mod:`shequn.errors` imports nothing of ours, so an error keeps its English (``str(e)``, for
logs, ``--json`` and the API's ``detail``) and its parts; what is said through the catalogue
is put together here, once for the command line (``cli/failure.py``) and the API's problem
``message`` (``api/errors.py``): an :class:`~shequn.errors.InputFormatError` whose problem is
a :class:`Said` keeps its file and line (``读书会.txt:12：…``), a
:class:`~shequn.errors.BlueprintError` says each problem after its key path (the problems not
said through the catalogue — pydantic's rarer sentences — stay as written, the frame around
them is still translated).
"""

from __future__ import annotations

from functools import reduce

from shequn.errors import BlueprintError, InputFormatError, ShequnError
from shequn.model.i18n import Said


def said_error(e: ShequnError) -> Said | None:
    """The error's message as a :class:`Said`, or ``None`` when nothing of it is."""
    if isinstance(e, BlueprintError) and any(isinstance(m, Said) for _, m in e.problems):
        lines = [Said("{key}: {problem}", key=key, problem=m) for key, m in e.problems]
        return Said(
            "{path}: {n} problem(s): {problems}",
            path=e.path,
            n=len(lines),
            problems=reduce(_then, lines),
        )
    if isinstance(e, InputFormatError) and isinstance(e.problem, Said):
        where = f"{e.path}:{e.line}" if e.line is not None else e.path
        return Said("{where}: {problem}", where=where, problem=e.problem)
    return e.message if isinstance(e.message, Said) else None


def _then(first: Said, second: Said) -> Said:
    """Two problems said one after the other."""
    return Said("{a}; {b}", a=first, b=second)
