"""``shequn serve`` (the API with uvicorn) and ``shequn token …`` (API tokens).

A token's secret is printed once, by ``token create``, and never again: only its hash is
stored, so a lost secret is replaced (create a new token, revoke the old one), not recovered.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shequn.cli.bulk_gc import freeze_startup
from shequn.cli.common import (
    JsonFlag,
    echo,
    err,
    open_store,
    print_json,
    print_table,
    say,
    show_time,
    state,
)
from shequn.model.i18n import N_, Said
from shequn.store.tokens import ROLES, create_token, list_tokens, revoke_token

token_app = typer.Typer(
    help="API tokens: create (the secret is shown once), list, revoke.", no_args_is_help=True
)


def serve_command(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8080,
    worker: Annotated[
        bool, typer.Option("--worker", help="Also run the worker in this process.")
    ] = False,
    connector_name: Annotated[
        str, typer.Option("--connector", help="The worker's connector (with --worker).")
    ] = "console",
    file: Annotated[Path | None, typer.Option(help="JSONL file of --connector file.")] = None,
) -> None:
    """Serve the dashboard (/) and the REST API (/api/v1, OpenAPI at /api/v1/openapi.json);
    with ``--worker`` also carry out the outbox (the laptop deployment: one process)."""
    import uvicorn  # lazy: keeps `shequn --help` instant

    from shequn.api.app import create_app
    from shequn.web.mount import mount_dashboard

    app = create_app(state.db_url)
    mount_dashboard(app)
    base = f"http://{host}:{port}"
    err.print(
        say(Said("shequn dashboard on {base}/ and API on {base}/api/v1", base=base)), markup=False
    )
    running = None
    if worker:
        from shequn.cli.worker import make_connector, start_worker
        from shequn.store.db import Store

        conn = make_connector(connector_name, file)
        running = start_worker(Store.open(state.db_url), conn)
        err.print(
            say(
                Said(
                    "worker {worker}: {connector} connector, in this process",
                    worker=running[0].name,
                    connector=conn.name,
                )
            ),
            markup=False,
        )
    freeze_startup()  # the app and what it loaded live as long as the server
    try:
        uvicorn.run(app, host=host, port=port, log_level="info", server_header=False)
    finally:
        if running is not None:  # finish the action in hand, then let the server exit
            running[0].stop()
            running[1].join(timeout=30)


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Option(help="What the token is for (shown in `token list`).")],
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")],
    community: Annotated[str, typer.Option(help="Community slug the token belongs to.")],
    groups: Annotated[
        str,
        typer.Option(help="Comma-separated group slugs a manager or group_leader covers."),
    ] = "",
    as_json: JsonFlag = False,
) -> None:
    """Create an API token and print its secret — the only time it is shown."""
    with open_store() as store:
        token, secret = create_token(
            store, name=name, role=role, community=community, groups=groups.split(",")
        )
    if as_json:
        print_json({**token.to_dict(), "secret": secret})
        return
    typer.echo(secret)
    groups = ", ".join(token.groups) or say(N_("(all)"))
    err.print(
        say(Said("token {id} ({role} of {community}, groups {groups}): the secret above is shown "
                 "only now; store it safely.", id=token.id, role=Said(token.role),
                 community=token.community, groups=groups)),
        markup=False,
    )  # fmt: skip


@token_app.command("list")
def token_list(as_json: JsonFlag = False) -> None:
    """List tokens (never their secrets): prefix, role, scope, last use, revocation."""
    with open_store() as store:
        tokens = list_tokens(store)
    if as_json:
        print_json([t.to_dict() for t in tokens])
        return
    print_table(
        Said("{n} tokens", n=len(tokens)),
        [
            N_("id"),
            N_("name"),
            N_("prefix"),
            N_("role"),
            N_("community"),
            N_("groups"),
            N_("last used"),
            N_("revoked"),
        ],
        [
            (
                t.id,
                t.name,
                t.prefix + "…",
                say(t.role),
                t.community,
                ", ".join(t.groups) or say(N_("(all)")),
                show_time(t.last_used_at),
                show_time(t.revoked_at),
            )
            for t in tokens
        ],
    )


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="The token's id (see `token list`).")],
    as_json: JsonFlag = False,
) -> None:
    """Revoke a token: requests with it are refused (401) from now on."""
    with open_store() as store:
        token = revoke_token(store, token_id)
    if as_json:
        print_json(token.to_dict())
    else:
        echo(Said("revoked token {id} ({name})", id=token.id, name=token.name))


__all__ = ["serve_command", "token_app"]
