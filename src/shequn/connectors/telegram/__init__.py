"""Telegram through the Bot API: ``client`` (python-telegram-bot behind a synchronous façade,
the error mapping), ``inbound`` (updates → events, pure), ``connector`` (actions → calls).
See docs/telegram.md."""
