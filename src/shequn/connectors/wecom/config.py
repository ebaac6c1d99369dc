"""The corp app's settings: from the environment only, never the blueprint, never logged.

``SHEQUN_WECOM_CORP_ID``, ``SHEQUN_WECOM_TOKEN`` and ``SHEQUN_WECOM_AES_KEY`` (the callback's
Token and EncodingAESKey) and ``SHEQUN_WECOM_SECRET`` (the app's secret for the API);
``SHEQUN_WECOM_API_URL`` points the API elsewhere (tests, a proxy) and
``SHEQUN_WECOM_COMMUNITY`` names the community the callbacks belong to (needed only when the
database holds more than one); ``SHEQUN_WECOM_SENDER`` is the staff userid who sends (and
confirms in the client) the group message tasks — WeCom needs one for a group task;
``SHEQUN_WECOM_AGENT_ID`` is the self-built app's AgentID: the replies to the commands members
write to the app go out through it (``message/send``), and only its messages are answered. The
blueprint is exported, diffed and shown to analysts, so no secret goes there; ``repr`` shows
none either.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from shequn.errors import ShequnError
from shequn.model.i18n import Said

PREFIX = "SHEQUN_WECOM_"
REQUIRED = ("CORP_ID", "TOKEN", "AES_KEY", "SECRET")


class NotConfigured(ShequnError):
    status = 404


@dataclass(frozen=True, slots=True)
class WeComConfig:
    corp_id: str
    token: str = field(repr=False)
    aes_key: str = field(repr=False)
    secret: str = field(repr=False)
    api_url: str | None = None
    community: str | None = None
    sender: str | None = None
    agent_id: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> WeComConfig:
        """The settings, or :class:`NotConfigured` naming the variables missing."""
        env = os.environ if environ is None else environ
        missing = [PREFIX + k for k in REQUIRED if not env.get(PREFIX + k)]
        if missing:
            raise NotConfigured(
                Said("WeCom is not configured: set {names}", names=", ".join(missing))
            )
        return cls(
            corp_id=env[PREFIX + "CORP_ID"],
            token=env[PREFIX + "TOKEN"],
            aes_key=env[PREFIX + "AES_KEY"],
            secret=env[PREFIX + "SECRET"],
            api_url=env.get(PREFIX + "API_URL") or None,
            community=env.get(PREFIX + "COMMUNITY") or None,
            sender=env.get(PREFIX + "SENDER") or None,
            agent_id=env.get(PREFIX + "AGENT_ID") or None,
        )

    def secrets(self) -> tuple[str, str, str]:
        """What must never appear in a log or the database (the tests grep for them)."""
        return self.token, self.aes_key, self.secret
