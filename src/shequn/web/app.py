"""The dashboard: server-rendered pages on the API app, logged in with an API token.

``mount.mount_dashboard(app)`` adds the pages (``/login``, ``/logout``, ``/c/{community}/…``) and
the vendored static files to an app built by ``shequn.api.app.create_app``; it uses the
app's store and settings. Permissions are the API's own (``shequn.api.deps``): the same
:class:`Operator`, the same ``access_*`` lookups, so a scoped manager gets the same 404 for
another group's page and an analyst the same 403 for any POST. Every POST form carries a
CSRF token tied to the session cookie (see ``session``).

Errors keep the API's statuses but are shown as an HTML page; a missing or expired session
redirects to the login page. Pages are thin: ``views`` gathers, templates show.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from shequn.analytics.scope import Scope
from shequn.api.auth import client_address
from shequn.api.deps import Operator, access_community, analytics
from shequn.api.errors import Forbidden, RateLimited
from shequn.api.routes.metrics import scopes
from shequn.errors import ShequnError
from shequn.model.error_text import said_error
from shequn.model.i18n import Said
from shequn.store.db import Store
from shequn.store.queries import display_names
from shequn.web import i18n
from shequn.web.session import (
    Session,
    Sessions,
    csrf_ok,
    log_in,
    log_out,
    new_session,
    operator_for,
)


class LoginRequired(Exception):
    """No valid session: the page redirects to the login form."""


class HtmlRoute(APIRoute):
    """Routes whose errors are pages: ShequnErrors keep their status, login goes to /login."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired:
                return RedirectResponse("/login", status_code=303)
            except ShequnError as e:
                return error_page(request, e)

        return route


def error_page(request: Request, error: ShequnError) -> Response:
    """The error as a page, in the community's language when the path names one (an
    engine refusal is a ``Said``: its message is translated too)."""
    _ = i18n.translator(_language(request))
    titles = {404: _("Not found"), 403: _("Forbidden")}
    return templates(request).TemplateResponse(
        request,
        "error.html",
        {
            "_": _,
            "title": titles.get(error.status, _("Something is wrong with this request")),
            "message": _(said_error(error) or error.message),
            "page": None,
        },
        status_code=error.status,
        headers=getattr(error, "headers", None),
    )


def _language(request: Request) -> str:
    community = request.path_params.get("community")
    if not isinstance(community, str):
        return i18n.DEFAULT
    store: Store = request.app.state.store
    with store.read() as conn:
        return i18n.language_of(conn, community)


def templates(request: Request) -> Jinja2Templates:
    found: Jinja2Templates = request.app.state.templates
    return found


def sessions(request: Request) -> Sessions:
    found: Sessions = request.app.state.sessions
    return found


@dataclass
class Page:
    """Everything a page needs: who is looking, at which community, in which language."""

    request: Request
    store: Store
    op: Operator
    session: Session
    community: str
    name: str
    lang: str
    _: Callable[[str], str] = field(repr=False)

    _names: dict[str, str | None] = field(default_factory=dict, repr=False)

    def who(self, key: Any) -> Markup:
        """A person as people know them: the display name, the platform key on hover (the
        key itself when no name is known)."""
        if not isinstance(key, str) or not key:
            return Markup("")  # nothing to show
        if key not in self._names:
            with self.store.read() as conn:
                self._names[key] = display_names(conn, self.community, [key]).get(key)
        name = self._names[key]
        if name is None:
            return escape(key)
        return Markup('<span class="who" title="{}">{}</span>').format(key, name)

    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        context = {
            "page": self,
            "_": self._,
            "who": self.who,
            "op": self.op,
            "csrf": self.session.csrf,
            **values,
        }
        response: HTMLResponse = templates(self.request).TemplateResponse(
            self.request, template, context, status_code=status
        )
        return response

    def scopes(self, group: str | None = None) -> list[Scope]:
        """What the page measures: the group asked for, else the community (unscoped) or
        each covered group — as the API's metrics do."""
        return scopes(self.store, self.op, self.community, group or None)

    def scope(self, group: str | None = None) -> Scope:
        found = self.scopes(group)
        if not found:
            raise ShequnError(Said("this token covers no group"), community=self.community)
        return found[0]


def current_operator(request: Request) -> tuple[Operator, Session]:
    store: Store = request.app.state.store
    session = sessions(request).read(request)
    op = operator_for(store, session)
    if op is None or session is None:
        raise LoginRequired
    request.state.token_id = op.token_id  # for the audit log of POSTs
    return op, session


def page(request: Request, community: str) -> Page:
    """The page dependency: a logged-in operator who may see ``community``."""
    op, session = current_operator(request)
    store: Store = request.app.state.store
    with store.read() as conn:
        found = access_community(conn, op, community)
        lang = i18n.language_of(conn, community)
    return Page(request, store, op, session, community, found.name, lang, i18n.translator(lang))


PageDep = Annotated[Page, Depends(page)]
CsrfField = Annotated[str, Form()]


def checked_writer(p: Page, csrf: str) -> Operator:
    """The order of refusals for a dashboard POST: a forged form, then a read-only role."""
    if not csrf_ok(p.session, csrf):
        raise Forbidden(Said("the form has expired or was not sent by this dashboard; reload it"))
    if not p.op.can_write:
        raise Forbidden(Said("a {role} token is read-only", role=p.op.role), role=p.op.role)
    return p.op


def with_analytics(p: Page) -> Any:
    """The replica connection for this request (``api.deps.analytics``)."""
    return analytics(p.request)


router = APIRouter(route_class=HtmlRoute, include_in_schema=False)


@router.get("/", response_model=None)
def home(request: Request) -> Response:
    op, _session = current_operator(request)
    return RedirectResponse(f"/c/{op.community}", status_code=303)


@router.get("/login", response_model=None)
def login_form(request: Request) -> Response:
    session = sessions(request).read(request) or new_session()
    response = templates(request).TemplateResponse(
        request,
        "login.html",
        {"_": i18n.translator(i18n.DEFAULT), "csrf": session.csrf, "error": None, "page": None},
    )
    sessions(request).write(request, response, Session(None, session.csrf))
    return response


@router.post("/login", response_model=None)
def login(request: Request, secret: Annotated[str, Form()], csrf: CsrfField) -> Response:
    from shequn.web.session import login_token

    _ = i18n.translator(i18n.DEFAULT)
    session = sessions(request).read(request)
    if not csrf_ok(session, csrf):
        raise Forbidden(Said("the login form has expired; reload it"))
    token = login_token(request.app.state.store, secret)
    if token is None:  # a wrong secret costs from the address's budget, as on the API
        wait = request.app.state.strangers.take(client_address(request.scope))
        if wait > 0:
            raise RateLimited(
                Said("too many failed logins; retry in {wait} s", wait=f"{wait:.0f}"),
                retry_after=wait,
            )
        return templates(request).TemplateResponse(
            request,
            "login.html",
            {"_": _, "csrf": csrf, "error": _("That token is unknown or revoked."), "page": None},
            status_code=401,
        )
    request.state.token_id = token.id
    response = RedirectResponse(f"/c/{token.community}", status_code=303)
    sessions(request).write(request, response, log_in(request.app.state.store, token))
    return response


@router.post("/logout", response_model=None)
def logout(request: Request, csrf: CsrfField) -> Response:
    session = sessions(request).read(request)
    if not csrf_ok(session, csrf):
        raise Forbidden(Said("the form has expired; reload it"))
    log_out(request.app.state.store, session)  # the cookie is worthless from now on
    response = RedirectResponse("/login", status_code=303)
    sessions(request).clear(request, response)
    return response
