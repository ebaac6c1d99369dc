"""``shequn report --html``: the overview's charts as ONE self-contained HTML file.

Made for the person who will never log in (a boss, a sponsor): the file carries ECharts
inlined and its data embedded, makes no network request, and opens from a mail attachment.
It is rendered from the same ``views.overview`` data and ECharts options as the dashboard,
so the two never disagree.
"""

from __future__ import annotations

from typing import Any

from shequn.analytics.configured import configured_language
from shequn.analytics.scope import Scope
from shequn.web import i18n, views
from shequn.web.templating import environment, static_text


def render_report_html(con: Any, scope: Scope, *, lang: str | None = None) -> str:
    """The report for ``scope`` on the analytics connection ``con`` (a replica), as HTML.

    ``lang`` defaults to the community blueprint's language, read from the replica."""
    lang = lang or configured_language(con, scope.community)
    _ = i18n.translator(lang)
    data = views.overview(con, scope, _)
    script = static_text("echarts.min.js").replace("</script", "<\\/script")
    notice = static_text("echarts.NOTICE").replace("*/", "* /")
    template = environment().get_template("report.html")
    return template.render(
        _=_, lang=lang, scope=scope, echarts=script, echarts_notice=notice, **data
    )


__all__ = ["render_report_html"]
