"""Connectors: the adapters between shequn and a chat platform.

Outbound, a connector performs one action (a message, an admission) and answers with the
platform's result or a classified error; inbound (later issues) it turns platform updates into
events. It imports only ``model``: the worker (``shequn.worker``) gives it the work and records
what it answers. See docs/connectors.md for adding a platform in one module.
"""
