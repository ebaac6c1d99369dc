"""The fission poster (P-FIS-2): one image a member posts to WeChat Moments to invite friends.

Every "任务宝" tool hands each member the same template — a title, a line of invitation, the
member's avatar and name — around that member's own referral QR code, because a scan is what
the referral is attributed by. So the QR code must scan first time from a phone photo of a
phone screen: error correction M or higher, a quiet zone, at least ~300 px, crisp pixels.

The text is Chinese in most communities, and Pillow draws a missing glyph as an empty box
("tofu") without complaint. So the font is chosen by asking each candidate whether it really
has the characters (:func:`covers`), and a Chinese poster with no Chinese font is an error
that says how to install one — never a poster full of boxes.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import segno
from PIL import Image, ImageColor, ImageDraw, ImageFont, ImageOps

from shequn.errors import NotFound, ShequnError
from shequn.model.i18n import N_, Phrase, Said

FONT_ENV = "SHEQUN_POSTER_FONT"
WELL_KNOWN_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Medium.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)
"""Where Debian/Ubuntu, macOS and Windows keep a Chinese font, tried after fontconfig."""
LATIN_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",)
INSTALL_HINT = Said(
    "install a Chinese font (apt-get install fonts-wqy-microhei, or fonts-noto-cjk), "
    "or name one with --font PATH or the {variable} environment variable",
    variable=FONT_ENV,
)
CAPTION = Phrase(N_("Scan to join"))
MISSING = "\U0010ffff"
"""A noncharacter no font maps, so rendering it shows the font's missing-glyph box."""
_CJK = (
    (0x2E80, 0x9FFF),  # radicals, CJK punctuation, kana, bopomofo, ext. A, unified ideographs
    (0xAC00, 0xD7AF),  # Hangul syllables
    (0xF900, 0xFAFF),  # compatibility ideographs
    (0xFE30, 0xFE4F),  # compatibility forms
    (0xFF00, 0xFFEF),  # full-width forms (，！？)
    (0x20000, 0x3FFFF),  # extensions B and later
)
_NO_LINE_START = set("，。、！？；：）」』》〉】”’,.!?;:)")


def is_cjk(ch: str) -> bool:
    """True for a character only a CJK font draws (ideographs, kana, full-width punctuation)."""
    return len(ch) == 1 and any(lo <= ord(ch) <= hi for lo, hi in _CJK)


@dataclass(frozen=True)
class PosterSpec:
    """What goes on one poster. ``qr_text`` is what the code encodes (the referral URL)."""

    title: str
    subtitle: str
    name: str
    qr_text: str
    language: str = "zh"
    background: tuple[str, str] = ("#ff7a45", "#c41d3a")
    background_image: Path | None = None
    width: int = 750
    height: int = 1334

    def texts(self) -> str:
        return "".join((self.title, self.subtitle, self.name, caption(self.language)))


def caption(language: str) -> str:
    return CAPTION.get(language, CAPTION["en"])


# --- fonts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FontChoice:
    """A font file (and face, for .ttc collections), or ``path=None`` for Pillow's own font."""

    path: Path | None
    index: int = 0

    def at(self, size: int) -> ImageFont.FreeTypeFont:
        return _load(self.path, self.index, size)


@lru_cache(maxsize=64)
def _load(path: Path | None, index: int, size: int) -> ImageFont.FreeTypeFont:
    font = (
        ImageFont.load_default(size)
        if path is None
        else ImageFont.truetype(str(path), size, index=index)
    )
    if not isinstance(font, ImageFont.FreeTypeFont):  # Pillow built without FreeType
        raise ShequnError(Said("Pillow cannot draw scalable text here; {hint}", hint=INSTALL_HINT))
    return font


def covers(font: ImageFont.FreeTypeFont, ch: str) -> bool:
    """Whether ``font`` has a glyph for ``ch``. A missing glyph renders as the font's
    .notdef (a box, or nothing), exactly like :data:`MISSING`; a real one differs from it.
    Pillow has no cmap lookup and fontTools is not a dependency, so compare the pixels."""
    if ch.isspace():
        return True
    mask, notdef = font.getmask(ch), font.getmask(MISSING)
    return bool(mask.size != notdef.size or bytes(mask) != bytes(notdef))


def _candidates(explicit: Path | None) -> list[tuple[Path, int, bool]]:
    """(path, face index, chosen by the user) in the order the module docstring promises."""
    found: list[tuple[Path, int, bool]] = []
    env = os.environ.get(FONT_ENV)
    for chosen in (explicit, Path(env) if env else None):
        if chosen is not None:
            found.append((chosen, 0, True))
    fc_match = shutil.which("fc-match")
    for lang in ("zh-cn", "zh-tw", "zh") if fc_match else ():
        try:
            out = subprocess.run(  # noqa: S603 — fixed arguments, no shell
                [str(fc_match), "-f", "%{file}|%{index}", f":lang={lang}"],
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            break
        file, _, index = out.partition("|")
        if file:
            found.append((Path(file), int(index or 0), False))
    found += [(Path(p), 0, False) for p in WELL_KNOWN_FONTS]
    return found


def find_font(text: str, font: Path | None = None) -> FontChoice:
    """The first font that draws every CJK character in ``text``.

    Order: ``font`` → ``$SHEQUN_POSTER_FONT`` → fontconfig's choice for Chinese → well-known
    paths. A font the user named must exist and cover the text (no silent fallback). Text with
    no CJK falls back to DejaVu Sans, then Pillow's built-in font. Other characters a font
    lacks (emoji in a WeChat name) are left out when drawing, see :func:`drawable`."""
    needed = sorted({ch for ch in text if is_cjk(ch)})
    for path, index, chosen in _candidates(font):
        if not path.is_file():
            if chosen:
                raise NotFound(
                    Said("font file {path} does not exist", path=str(path)), font=str(path)
                )
            continue
        choice = _face(path, index)
        lacking = [ch for ch in needed if not covers(choice.at(32), ch)]
        if not lacking:
            return choice
        if chosen:
            raise ShequnError(
                Said(
                    "font {path} has no glyph for {lacking!r}; {hint}",
                    path=str(path),
                    lacking="".join(lacking[:10]),
                    hint=INSTALL_HINT,
                ),
                font=str(path),
            )
    if needed:
        raise NotFound(
            Said("no font that can draw Chinese text was found: {hint}", hint=INSTALL_HINT)
        )
    latin = [Path(p) for p in LATIN_FONTS if Path(p).is_file()]
    return FontChoice(latin[0] if latin else None)


def _face(path: Path, index: int) -> FontChoice:
    """In a collection such as NotoSansCJK-Regular.ttc the first face is Japanese; pick the
    Simplified Chinese one ("… SC") when there is one, so 骨/直/海 get mainland shapes."""
    if index or path.suffix.lower() not in (".ttc", ".otc"):
        return FontChoice(path, index)
    for i in range(8):
        try:
            family, _ = ImageFont.truetype(str(path), 12, index=i).getname()
        except OSError:
            break
        if family and family.endswith(" SC"):
            return FontChoice(path, i)
    return FontChoice(path, 0)


def drawable(text: str, font: ImageFont.FreeTypeFont) -> str:
    """``text`` without the characters ``font`` would draw as boxes."""
    return "".join(ch for ch in text if covers(font, ch))


# --- layout ------------------------------------------------------------------------------


def wrap(text: str, font: ImageFont.FreeTypeFont, width: float, max_lines: int) -> list[str]:
    """Lines no wider than ``width``: Latin breaks between words, CJK between any two
    characters, closing punctuation never starts a line; overflow ends in "…". Lines are
    balanced (the narrowest width giving as few lines), so no line holds one lonely word."""
    tokens: list[str] = []
    for ch in text:
        prev = tokens[-1][-1] if tokens else " "
        latin_word = not is_cjk(ch) and not prev.isspace() and not is_cjk(prev)
        if tokens and (ch in _NO_LINE_START or ch.isspace() or latin_word):
            tokens[-1] += ch
        else:
            tokens.append(ch)
    lines = _fill(tokens, font, width)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and font.getlength(last + "…") > width:
            last = last[:-1]
        return [*lines[: max_lines - 1], last.rstrip() + "…"]
    low, high = width / 2, width
    while len(lines) > 1 and high - low > 4:
        mid = (low + high) / 2
        low, high = (low, mid) if len(_fill(tokens, font, mid)) == len(lines) else (mid, high)
    return _fill(tokens, font, high) if len(lines) > 1 else lines


def _fill(tokens: list[str], font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Greedy line filling; a word wider than a line is cut between characters."""
    lines: list[str] = []
    line = ""
    for token in tokens:
        if line and font.getlength((line + token).rstrip()) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
        while font.getlength(line.rstrip()) > width and len(line) > 1:
            cut = max(n for n in range(1, len(line)) if font.getlength(line[:n]) <= width or n == 1)
            lines.append(line[:cut])
            line = line[cut:]
    return [*lines, line.rstrip()] if line.strip() else lines


def qr_image(text: str, target: int) -> Image.Image:
    """The QR code as crisp black-on-white pixels, quiet zone (4 modules) included: level M
    (segno raises it when that costs no size), whole pixels per module, at least 300 px."""
    try:
        qr = segno.make(text, error="m", micro=False, boost_error=True)
    except segno.DataOverflowError as e:
        raise ShequnError(Said("too long for a QR code ({n} characters)", n=len(text))) from e
    modules = int(qr.symbol_size(scale=1, border=4)[0])
    scale = max(round(target / modules), -(-300 // modules))
    img = Image.new("L", (modules, modules))
    img.putdata([0 if dark else 255 for row in qr.matrix_iter(border=4) for dark in row])
    return img.resize((modules * scale, modules * scale), Image.Resampling.NEAREST)


Ink = str | tuple[int, int, int, int]
_AVATAR_COLOURS = ("#1677ff", "#13a8a8", "#722ed1", "#fa8c16", "#52c41a", "#eb2f96")


def render_poster(spec: PosterSpec, out: Path | None = None, *, font: Path | None = None) -> bytes:
    """Draw the poster; return it as PNG bytes and also write it to ``out`` (``.png`` or
    ``.jpg`` by suffix) when given."""
    suffix = out.suffix.lower() if out is not None else ".png"
    if suffix not in (".png", ".jpg", ".jpeg"):
        raise ShequnError(
            Said(
                "cannot write a {suffix} poster: use .png or .jpg",
                suffix=suffix or Said(N_("suffix-less")),
            )
        )
    choice = find_font(spec.texts(), font)
    W, H = spec.width, spec.height
    u = min(W / 750, H / 1334)  # every size below is for 750 x 1334, the WeChat poster size

    def px(n: float) -> int:
        return round(n * u)

    canvas = _background(spec)
    draw = ImageDraw.Draw(canvas, "RGBA")

    def lines(y: int, texts: list[str], size: int, step: int, fill: Ink, bold: bool = False) -> int:
        for text in texts:  # a stroke in the text's own colour makes it bold
            stroke = max(1, px(1.5)) if bold else 0
            draw.text((W / 2, y), text, fill, choice.at(px(size)), "ma", stroke_width=stroke)
            y += px(step)
        return y

    # The card at the bottom: the QR code and its caption on white.
    qr = qr_image(spec.qr_text, px(400))
    card_w, card_h = qr.width + px(48), qr.height + px(24 + 30 + 40)
    card = ((W - card_w) // 2, H - px(80) - card_h, (W + card_w) // 2, H - px(80))
    draw.rounded_rectangle(card, radius=px(28), fill="white")
    canvas.paste(qr, ((W - qr.width) // 2, card[1] + px(24)))
    cap = drawable(caption(spec.language), choice.at(px(30)))
    lines(card[1] + px(28) + qr.height, [cap], 30, 0, "#595959")

    # The block above it: avatar, name, title, subtitle, centred in the space left.
    width = W - px(2 * 64)
    name = drawable(spec.name, choice.at(px(36))).strip() or "?"
    title = wrap(drawable(spec.title, choice.at(px(58))), choice.at(px(58)), width, 3)
    subtitle = wrap(drawable(spec.subtitle, choice.at(px(32))), choice.at(px(32)), width, 3)
    height = px(136 + 28 + 92 + 26) + len(title) * px(74) + len(subtitle) * px(46)
    top = max(px(72), (card[1] - height) // 2)
    d, ring = px(136), px(6)
    draw.ellipse((W / 2 - d / 2 - ring, top - ring, W / 2 + d / 2 + ring, top + d + ring), "white")
    colour = _AVATAR_COLOURS[zlib.crc32(name.encode()) % len(_AVATAR_COLOURS)]
    draw.ellipse((W / 2 - d / 2, top, W / 2 + d / 2, top + d), fill=colour)
    initial = name[0].upper()
    draw.text((W / 2, top + d / 2), initial, font=choice.at(px(64)), fill="white", anchor="mm")
    y = lines(top + d + px(28), wrap(name, choice.at(px(36)), width, 1), 36, 92, "white")
    y = lines(y, title, 58, 74, "white", bold=True)
    lines(y + px(26), subtitle, 32, 46, (255, 255, 255, 225))

    png = io.BytesIO()
    canvas.save(png, format="PNG", optimize=True)
    if out is not None and suffix == ".png":
        out.write_bytes(png.getvalue())
    elif out is not None:
        canvas.save(out, format="JPEG", quality=92)
    return png.getvalue()


def _background(spec: PosterSpec) -> Image.Image:
    """The image (scaled to cover, then dimmed so white text reads on it) or the gradient."""
    size = (spec.width, spec.height)
    if spec.background_image is not None:
        try:
            with Image.open(spec.background_image) as img:
                picture = ImageOps.fit(img.convert("RGB"), size)
        except OSError as e:
            raise ShequnError(
                Said(
                    "cannot read background image {path}: {error}",
                    path=str(spec.background_image),
                    error=str(e),
                )
            ) from e
        return Image.blend(picture, Image.new("RGB", size, "black"), 0.35)
    try:
        top, bottom = (ImageColor.getrgb(c) for c in spec.background)
    except ValueError as e:
        raise ShequnError(
            Said("background colours must be like #ff7a45: {error}", error=str(e))
        ) from e
    mask = Image.linear_gradient("L").resize(size)  # 0 at the top, 255 at the bottom
    canvas = Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask)
    draw, (w, h) = ImageDraw.Draw(canvas, "RGBA"), size
    for cx, cy, r in ((0.92, 0.06, 0.42), (0.02, 0.42, 0.3), (0.85, 0.62, 0.2)):  # soft bubbles
        box = (w * (cx - r), h * cy - w * r, w * (cx + r), h * cy + w * r)
        draw.ellipse(box, fill=(255, 255, 255, 20))
    return canvas
