"""One router per resource, registered in :data:`ROUTERS`.

Adding a capability's routes (campaigns, links, applications …) is: write
``routes/<resource>.py`` with a ``router`` whose paths start at ``/communities/{community}``,
calling the same service functions the CLI calls, then add the module to the tuple below.
The app mounts every router under ``/api/v1`` with the shared error responses.
"""

from __future__ import annotations

from fastapi import APIRouter

from shequn.api.routes import (
    actions,
    checkins,
    communities,
    content,
    delegation,
    envelopes,
    events,
    groups,
    growth,
    honours,
    imports,
    meetups,
    members,
    metrics,
    moderation,
    money,
    organization,
    qa,
    reports,
    sessions,
)

ROUTERS: tuple[APIRouter, ...] = (
    communities.router,
    groups.router,
    members.router,
    events.router,
    metrics.router,
    reports.router,
    imports.router,
    growth.router,
    actions.router,
    moderation.router,
    money.router,
    organization.router,
    delegation.router,
    sessions.router,
    checkins.router,
    qa.router,
    envelopes.router,
    meetups.router,
    honours.router,
    content.router,
)

__all__ = ["ROUTERS"]
