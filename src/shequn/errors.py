"""One exception tree for all of shequn.

Every error a user can cause is a :class:`ShequnError` carrying structured ``fields``
(file, line, key path, ids …). The CLI prints ``str(error)`` as one line and exits
non-zero; the API (later) turns the same object into problem+json. Nothing else needs
to know how an error is shown.

    ShequnError
    ├── InvalidEvent          an event that does not fit the vocabulary
    ├── InputFormatError      a file that cannot be read (names file and line)
    ├── BlueprintError        a blueprint with problems (lists every key path)
    ├── Forbidden             the caller's role may not do this (a kind it may not write)
    ├── NotFound              a community, group or member that does not exist
    ├── Conflict              a request that contradicts the current state
    └── StoreError            the database is unreachable or not migrated
"""

from __future__ import annotations


class ShequnError(Exception):
    """Base of every error shequn raises on purpose."""

    status = 400

    def __init__(self, message: str, **fields: object) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields


class InvalidEvent(ShequnError):
    """An event is malformed: unknown kind, missing actor, naive time, bad data field."""

    status = 422


class InputFormatError(ShequnError):
    """A file could not be parsed. The message names the file and the line (or, for JSON, the
    path inside the document such as ``$.messages[12]``)."""

    status = 422

    def __init__(self, path: str, line: int | str | None, problem: str, **fields: object) -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {problem}", path=path, line=line, **fields)
        self.path = path
        self.line = line
        self.problem = problem


class BlueprintError(ShequnError):
    """A blueprint has one or more problems; ``problems`` holds ``(key_path, message)``."""

    status = 422

    def __init__(self, path: str, problems: list[tuple[str, str]]) -> None:
        lines = "; ".join(f"{key}: {msg}" for key, msg in problems)
        super().__init__(f"{path}: {len(problems)} problem(s): {lines}", path=path)
        self.path = path
        self.problems = problems


class Forbidden(ShequnError):
    """The caller is known but its role may not do this: write an event kind of another
    writer class, or name a member outside its groups."""

    status = 403


class NotFound(ShequnError):
    """Something named does not exist (or is not visible to the caller)."""

    status = 404


class Conflict(ShequnError):
    """The request contradicts the current state (e.g. merging a member into itself)."""

    status = 409


class StoreError(ShequnError):
    """The store cannot be used as asked (bad URL, unreachable server, schema too new)."""

    status = 503
