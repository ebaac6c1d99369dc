"""The REST API (FastAPI) under ``/api/v1``: an interface over the same services as the CLI.

``create_app(store_url)`` builds the app; ``shequn serve`` runs it with uvicorn. Layout:
``deps`` (the caller and lookup-plus-permission), ``errors`` (problem+json), ``audit`` (a row
per write), ``ratelimit``, ``schemas``, ``queries`` (paged reads) and ``routes/`` (one module
per resource, listed in ``routes.ROUTERS``). See docs/api.md.
"""

from __future__ import annotations
