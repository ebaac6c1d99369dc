"""The console connector: prints what would be sent, so ``shequn worker --connector console``
is a dry run that shows exactly the messages and calls the engine asks for."""

from __future__ import annotations

import sys
from typing import TextIO

from shequn.connectors.base import DRY_RUN_KINDS, Call, Limits, Performed, describe


class ConsoleConnector:
    """Prints one line per action to ``out`` (stdout by default)."""

    name = "console"
    kinds = DRY_RUN_KINDS
    can_check = False

    def __init__(self, out: TextIO | None = None, limits: Limits | None = None) -> None:
        self.out = out or sys.stdout
        self.limits = limits or Limits()
        self.count = 0

    def perform(self, call: Call) -> Performed:
        self.count += 1
        print(describe(call), file=self.out, flush=True)
        return Performed(f"console:{call.action_id}")

    def check(self, call: Call) -> Performed | None:
        return None  # never asked: can_check is False

    def close(self) -> None:
        self.out.flush()
