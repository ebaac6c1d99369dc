"""Put the dashboard on an API app: the one module that knows every page module.

The page modules (``pages``, ``qa``, ``money`` …) build on ``app``'s shared pieces and register
their routes on ``pages.router``; ``app`` itself knows none of them. Gathering them here, one
level up, keeps that a tree: ``mount`` → pages → ``app``, never back.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from shequn.web import actions, app, content, growth, honours, moderation, money, motions, pages, qa
from shequn.web.session import Sessions, secret_key
from shequn.web.templating import STATIC, environment

PAGE_MODULES = (actions, content, growth, honours, moderation, money, motions, pages, qa)
"""Imported for their routes, which they add to ``pages.router`` when loaded."""


def mount_dashboard(api: FastAPI) -> None:
    """Add the dashboard's pages and static files to an app from ``create_app``."""
    api.state.templates = Jinja2Templates(env=environment())
    api.state.sessions = Sessions(secret_key(api.state.store))
    api.mount("/static", StaticFiles(directory=STATIC), name="static")
    api.include_router(app.router)
    api.include_router(pages.router)


__all__ = ["PAGE_MODULES", "mount_dashboard"]
