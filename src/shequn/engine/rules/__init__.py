"""Group rules and moderation (P-RUL): detectors, the learned advert model, the ladder.

Detectors (``normalize``, ``advert``, ``topics``, ``flow``) and the model (``linear``) are
pure: plain text and numbers in, a :class:`~shequn.engine.rules.verdict.Verdict` with its
evidence out. Nothing in this package reads the store except the reactor and the replay,
which gather facts and hand them to the pure parts.
"""
