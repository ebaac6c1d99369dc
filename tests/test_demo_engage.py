"""``shequn demo`` shows a session timeline and a check-in camp (issue 18): the session is
planned once at the story's end with the whole timeline, and the camp's board comes from the
simulated check-ins."""

from __future__ import annotations

from pathlib import Path

from shequn.cli.plan import DEMO_BLUEPRINT
from shequn.model.blueprint import load_blueprint
from shequn.model.i18n import tr
from shequn.plan.demo_engage import run_engagement
from tests.test_web import build_demo


def test_the_demo_plans_a_session_and_shows_the_camp_board(tmp_path: Path) -> None:
    store = build_demo(f"sqlite:///{tmp_path / 'demo.db'}", days=90)
    bp = load_blueprint(DEMO_BLUEPRINT)
    first = run_engagement(store, bp)
    steps = [step for step, _ in first.steps]
    assert steps == [
        "session_announce", "session_collect", "session_warmup", "session_start",
        "session.summarize",
    ]  # fmt: skip
    assert [due.hour for _, due in first.steps][2:4] == [18, 20]  # local: warm-up, start
    assert first.camp == "camp-21" and first.board
    assert all(s.total >= s.current >= 1 for s in first.board)
    text = "\n".join(tr("zh", line) for line in first.render())  # the demo speaks Chinese
    assert "群内预告" in text and "打卡营 camp-21 排行榜" in text
    assert "announced in the group" in "\n".join(first.render())  # English for a log
    again = run_engagement(store, bp)
    assert (again.session, again.steps) == (first.session, first.steps)  # planned once
    store.close()
