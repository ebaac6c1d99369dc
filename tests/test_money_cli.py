"""``shequn payments record`` and ``shequn memberships list|grant`` end to end (``--json``),
then the console worker carries out the admission; the API's memberships and payments routes
with a real product."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.growth_helpers import HEAD, group
from tests.money_helpers import MONEY
from tests.test_cli import Cli, cli  # noqa: F401 (the fixture)

YESTERDAY = (datetime.now(UTC) - timedelta(days=1)).isoformat()


def _load(cli: Cli, tmp_path: Path) -> None:  # noqa: F811
    groups = "\n".join(group(g) for g in ("main", "fans", "course", "senior"))
    path = tmp_path / "money.toml"
    path.write_text(HEAD + MONEY + "\n" + groups, encoding="utf-8")
    assert cli.json("blueprint", "load", path)["new"] >= 1


def test_payments_and_memberships_commands(cli: Cli, tmp_path: Path) -> None:  # noqa: F811
    _load(cli, tmp_path)
    paid = cli.json("payments", "record", "wechat:lin", "fan", "--ref", "receipt-1",
                    "--at", YESTERDAY)  # fmt: skip
    assert paid["payment"]["data"]["amount_minor"] == 990
    assert [m["state"] for m in paid["memberships"]] == ["active"]
    again = cli.json("payments", "record", "wechat:lin", "fan", "--ref", "receipt-1",
                     "--at", YESTERDAY)  # fmt: skip
    assert again["memberships"][0]["renewals"] == 0  # the same receipt twice: once
    [trial] = cli.json("memberships", "grant", "wechat:wang", "course", "--trial", "--days", "7")
    assert trial["state"] == "trial"
    code, _, err = cli.run("memberships", "grant", "wechat:li", "course", "--trial")
    assert code != 0 and "trial_days" in err
    listed = cli.json("memberships", "list")
    assert [(m["identity"], m["plan"]) for m in listed] == [
        ("wechat:lin", "fan"),
        ("wechat:wang", "course"),
    ]
    assert cli.json("memberships", "list", "--state", "trial")[0]["identity"] == "wechat:wang"
    code, out, err = cli.run("worker", "--once", "--connector", "console")
    assert code == 0, err
    assert "wechat:lin" in out  # the console carried out the admission to the fan group
    assert cli.json("commission", "ledger") == []  # nobody brought anyone: nothing owed
    code, _, err = cli.run("commission", "payout", "wechat:lin", "--amount", "1")
    assert code != 0 and "应付给 wechat:lin 0" in err  # the community's language
    code, _, err = cli.run("commission", "payout", "wechat:lin", "--amount", "1", "--lang", "en")
    assert code != 0 and "owed 0" in err
    states = {m["identity"]: m["state"] for m in cli.json("memberships", "list")}
    assert states == {"wechat:lin": "active", "wechat:wang": "trial"}  # the tick ran: no change
