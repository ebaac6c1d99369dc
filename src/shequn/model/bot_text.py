"""What a member wrote to a bot privately, split into a command: one reading for every platform.

Telegram's bot and WeCom's self-built app both pass on the member's text as typed, so both
connectors split it here: ``/name args`` is the command ``name`` (lower case, a Telegram
``@botname`` suffix dropped) with ``args``; anything else is a command without a name (``""``,
the whole text in ``args``: an answer to the intake card, say). A Chinese keyboard's
full-width slash (``／``) counts as ``/``: members on a phone type it without noticing.
"""

from __future__ import annotations

SLASHES = ("/", "／")


def split_command(text: str) -> tuple[str, str]:
    """``(name, args)`` of a private message; ``name`` is ``""`` for plain text."""
    text = text.strip()
    if not text.startswith(SLASHES):
        return "", text
    head, _, args = text[1:].partition(" ")
    head, newline, rest = head.partition("\n")  # "/ask\nwhat time?" asks too
    args = f"{rest}{' ' if rest and args else ''}{args}" if newline else args
    return head.partition("@")[0].lower(), args.strip()
