"""``shequn worker``: the one process that talks to platforms on the engine's behalf.

It claims due actions from the outbox under a lease, paces them per chat and per connector,
calls the connector, retries what failed transiently, records effects as events and runs the
engine's ticks. It sits beside the interfaces (it imports connectors, which the engine may not);
the state changes it makes go through ``store/action_states.py`` and ``engine.record``. See
docs/worker.md.
"""
