"""Kill the bot mid-stream (SIGKILL, no goodbye) and restart it: no update lost, none
recorded twice — the batch being recorded when it died is delivered again and keyed away."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from shequn.store import tables as t
from shequn.store.db import Store
from tests.telegram_fake import BOT_ID, TOKEN, FakeBotApi, serve
from tests.telegram_updates import CHAT, message
from tests.test_cli import EXAMPLE, Cli

UPDATES = 3_000


def shequn(db: str, url: str, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SHEQUN_TELEGRAM_TOKEN": TOKEN, "SHEQUN_DATABASE_URL": db}
    args = ["bot", "run", "telegram", "--api-url", url, "--exit-when-idle", "0.5", *extra]
    code = "import sys; from shequn.cli.app import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.Popen([sys.executable, "-c", code, *args], env=env, stderr=subprocess.PIPE)


def recorded(db: str) -> int:
    store = Store.open(db)
    try:
        with store.read() as conn:
            q = select(func.count()).where(t.events.c.source == f"telegram-bot:{BOT_ID}")
            return int(conn.execute(q).scalar_one())
    finally:
        store.close()


def test_sigkill_mid_stream_loses_and_repeats_nothing(
    database_url: str, capsys, tmp_path: Path
) -> None:
    cli = Cli(database_url, capsys)
    cli.json("blueprint", "load", EXAMPLE / "community.toml")
    cli.json("groups", "bind", "main", "--chat", str(CHAT))
    api = FakeBotApi()
    server, url = serve(api)
    try:
        api.push(*(message(uid, 10 + uid % 50, uid, f"msg {uid}") for uid in range(1, UPDATES + 1)))
        bot = shequn(database_url, url)
        while len(api.called("getUpdates")) < 6 and bot.poll() is None:  # a few batches in
            time.sleep(0.01)
        bot.send_signal(signal.SIGKILL)
        bot.wait()
        before = recorded(database_url)
        assert 0 < before < UPDATES  # it really died mid-stream
        again = shequn(database_url, url)
        _, err = again.communicate(timeout=300)
        assert again.returncode == 0, err.decode()
        assert recorded(database_url) == UPDATES
    finally:
        server.shutdown()
