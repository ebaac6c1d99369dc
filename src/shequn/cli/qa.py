"""``shequn qa``: the Q&A knowledge base — list, search, ask, answer (P-ENG-3).

Thin, like every command: ``engine/engagement/knowledge.py`` does the work. Questions in the
groups arrive as messages (imports, bots); surfacing the unanswered ones to the leaders is
the worker's ``qa.surface`` tick, not a command.
"""

from __future__ import annotations

from typing import Annotated

import typer

from shequn.cli.common import (
    CommunityOpt,
    JsonFlag,
    echo,
    open_store,
    pick_community,
    print_json,
    print_table,
    say,
)
from shequn.engine.engagement import knowledge
from shequn.model.i18n import N_, Said
from shequn.store.qa import Entry

qa_app = typer.Typer(help="The Q&A knowledge base: questions, answers, search. 问答知识库。")

Question = Annotated[str, typer.Argument(help="The question's key (`shequn qa list`).")]
Group = Annotated[str | None, typer.Option(help="Only this group.")]


def _rows(found: list[Entry]) -> list[tuple[object, ...]]:
    return [
        (e.question_ref, e.group or "", say(e.status), e.question[:40], (e.answer or "")[:40])
        for e in found
    ]


@qa_app.command("list")
def list_command(
    group: Group = None,
    status: Annotated[
        str | None, typer.Option(help="open | answered (the knowledge base) | repeated")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many.")] = 100,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Questions, newest first. 问题列表。"""
    with open_store() as store:
        found = knowledge.list_questions(
            store,
            pick_community(store, community),
            groups=[group] if group else None,
            status=status,
            limit=limit,
        )
    if as_json:
        print_json([e.to_dict() for e in found])
        return
    print_table(
        Said("{n} questions", n=len(found)),
        [N_("question"), N_("group"), N_("status"), N_("text"), N_("answer")],
        _rows(found),
    )


@qa_app.command("search")
def search_command(
    text: Annotated[str, typer.Argument(help="What to look for (Chinese or English).")],
    group: Group = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many.")] = 10,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Search the answered questions, best match first. 搜索知识库。"""
    with open_store() as store:
        found = knowledge.search(
            store,
            pick_community(store, community),
            text,
            groups=[group] if group else None,
            limit=limit,
        )
    if as_json:
        print_json([{**e.to_dict(), "score": s} for e, s in found])
        return
    rows = [(s, e.question, e.answer or "") for e, s in found]
    print_table(Said("{n} found", n=len(found)), [N_("score"), N_("question"), N_("answer")], rows)


STATES = (N_("open"), N_("answered"), N_("repeated"))
"""A question's states (``store/qa.py``)."""


@qa_app.command("export")
def export_command(group: Group = None, community: CommunityOpt = None) -> None:
    """The knowledge base as Markdown on stdout (沉淀内容). 导出知识库。"""
    with open_store() as store:
        slug = pick_community(store, community)
        typer.echo(knowledge.export(store, slug, [group] if group else None), nl=False)


@qa_app.command("ask")
def ask_command(
    text: Annotated[str, typer.Argument(help="The question.")],
    member: Annotated[str, typer.Option(help="Who asks (identity key).")],
    group: Group = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Record a member's question; a repeat of an answered one gets the answer. 提问。"""
    with open_store() as store:
        slug = pick_community(store, community)
        found = knowledge.ask(store, slug, member, text, group=group, source="operator:cli")
    if as_json:
        print_json(found.to_dict())
        return
    echo(Said("{question}: {status}", question=found.question_ref, status=Said(found.status)))
    if found.answer:
        typer.echo(found.answer)


@qa_app.command("answer")
def answer_command(
    question: Question,
    text: Annotated[str, typer.Option(help="The answer.")],
    member: Annotated[str | None, typer.Option(help="Who wrote it (identity key).")] = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Give or mark a question's answer: it enters the knowledge base. 回答/标记答案。"""
    with open_store() as store:
        slug = pick_community(store, community)
        found = knowledge.answer(
            store, slug, question, text, source="operator:cli", answerer=member
        )
    print_json(found.to_dict()) if as_json else echo(
        Said("{question}: {status}", question=found.question_ref, status=Said("answered"))
    )
