"""The footer block of a content entry (P-CHN-3): what goes at the end of an article or page —
a line inviting the reader into the group, the entry's own live code as a QR code and its link
— as HTML (an official-account article, a web page) or Markdown (a blog, a docs site), in the
community's language.

The QR code is the fission poster's (``api/poster.qr_image``: level M, a quiet zone, at least
300 px, crisp pixels), because it is scanned the same way: a phone photo of a screen. It is
embedded as a ``data:`` PNG unless the caller names an image file to point at instead (Markdown
renderers that drop ``data:`` images). The QR encodes the entry's link URL (the blueprint's
``fission.link_url`` with the code), the one whose joins are counted for the piece.
"""

from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING, Literal

from markupsafe import escape

from shequn.api.poster import qr_image
from shequn.model.i18n import N_, Phrases

if TYPE_CHECKING:
    from shequn.engine.engagement.content_entries import ContentEntry
    from shequn.model.blueprint import Blueprint

Format = Literal["html", "md"]
FORMATS: tuple[Format, ...] = ("html", "md")
QR_PIXELS = 300
TEXT = Phrases(
    {
        "lead": N_("Liked “{title}”? Join {group}: scan the code, or open the link."),
        "alt": N_("QR code: scan to join {group}"),
    }
)


def qr_png(url: str) -> bytes:
    """The entry's QR code as PNG bytes (also what ``--qr FILE`` writes)."""
    png = io.BytesIO()
    qr_image(url, QR_PIXELS).save(png, format="PNG", optimize=True)
    return png.getvalue()


def _md(text: str) -> str:
    """Markdown's link and emphasis characters made literal."""
    return "".join("\\" + ch if ch in "\\`*_[]()<>#!|" else ch for ch in text)


def footer(
    *, title: str, group: str, url: str, entry: str, language: str, fmt: Format = "html",
    image: str | None = None,
) -> str:  # fmt: skip
    """The block for the piece ``title`` whose readers join ``group`` (its name) through ``url``;
    ``image``: where the QR code's PNG is, else it is embedded."""
    t = TEXT[language]
    src = image or "data:image/png;base64," + base64.b64encode(qr_png(url)).decode()
    lead, alt = t["lead"].format(title=title, group=group), t["alt"].format(group=group)
    web = url.startswith(("http://", "https://"))  # else the bare code: no link_url set
    if fmt == "md":
        shown = f"<{url}>" if web else _md(url)
        return f"---\n\n{_md(lead)}\n\n![{_md(alt)}]({src.replace(')', '%29')})\n\n{shown}\n"
    shown = f'<a href="{escape(url)}">{escape(url)}</a>' if web else str(escape(url))
    return (
        f'<div class="shequn-entry" data-entry="{escape(entry)}">\n'
        f"  <p>{escape(lead)}</p>\n"
        f'  <p><img src="{escape(src)}" alt="{escape(alt)}" width="{QR_PIXELS // 2}" '
        f'height="{QR_PIXELS // 2}"></p>\n'
        f"  <p>{shown}</p>\n"
        "</div>\n"
    )


def entry_footer(bp: Blueprint, e: ContentEntry, fmt: Format, image: str | None = None) -> str:
    """``footer`` for the entry ``e`` of ``bp``'s community, in its language (what the CLI, the
    API and the dashboard show)."""
    return footer(title=e.title, group=bp.group(e.group).name, url=e.link_url, entry=e.entry,
                  language=bp.community.language, fmt=fmt, image=image)  # fmt: skip


__all__ = ["FORMATS", "Format", "entry_footer", "footer", "qr_png"]
