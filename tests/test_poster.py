"""The fission poster (P-FIS-2) as a member would get it: it scans, and its Chinese is real text.

Rendered posters are kept in ``tests/artifacts/`` (git-ignored) for a human to look at.
A Chinese font is needed for most tests here; without one they skip, unless
``SHEQUN_REQUIRE_FONTS=1`` (set by ``.ci/run``) makes a missing font a failure.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from shequn.api import poster
from shequn.api.poster import FontChoice, PosterSpec, covers, find_font, render_poster, wrap
from shequn.errors import NotFound, ShequnError
from tests.test_cli import EXAMPLE, Cli

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
REQUIRE_FONTS = os.environ.get("SHEQUN_REQUIRE_FONTS") == "1"
ZH = PosterSpec(
    title="读书会 · 春季共读营",
    subtitle="我是王小明，邀请你一起加入，每天读书二十分钟，一起坚持二十一天！",
    name="王小明",
    qr_text="https://shequn.example/r/AB12CD",
)
EN = PosterSpec(
    title="Study Circle: spring reading camp",
    subtitle="I'm Alice Chen, join me: twenty minutes of reading a day, for 21 days.",
    name="alice chen",
    qr_text="https://shequn.example/r/XY34ZW",
    language="en",
    background=("#1d39c4", "#061178"),
)


@pytest.fixture
def cjk_font() -> FontChoice:
    """The Chinese font the poster would use; its absence skips, or fails under CI."""
    try:
        return find_font("社群")
    except NotFound as e:
        if REQUIRE_FONTS:
            raise AssertionError(f"a Chinese font is required (SHEQUN_REQUIRE_FONTS=1): {e}") from e
        pytest.skip(str(e))


@pytest.fixture
def no_fonts_found(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine with no Chinese font: the search finds nothing."""
    monkeypatch.setattr(poster, "_candidates", lambda explicit: [])


def decode(png: bytes | Path) -> list[zxingcpp.Barcode]:
    image = Image.open(png if isinstance(png, Path) else io.BytesIO(png))
    return list(zxingcpp.read_barcodes(image))


def save(name: str, png: bytes) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / name).write_bytes(png)


def test_chinese_poster_scans_back_to_the_referral_link(cjk_font: FontChoice):
    png = render_poster(ZH)
    save("poster-zh.png", png)

    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert Image.open(io.BytesIO(png)).size == (750, 1334)
    [code] = decode(png)
    assert code.text == ZH.qr_text
    assert code.ec_level in ("M", "Q", "H")
    corners = code.position
    assert corners.top_right.x - corners.top_left.x >= 300  # big enough to scan from a phone


def test_poster_still_scans_after_wechat_shrinks_and_recompresses_it(cjk_font: FontChoice):
    shared = Image.open(io.BytesIO(render_poster(ZH))).convert("RGB").resize((375, 667))
    jpeg = io.BytesIO()
    shared.save(jpeg, format="JPEG", quality=60)
    assert [c.text for c in decode(jpeg.getvalue())] == [ZH.qr_text]


def test_english_poster_on_a_background_image_written_as_jpeg(tmp_path: Path):
    photo = tmp_path / "photo.png"
    Image.radial_gradient("L").convert("RGB").resize((1200, 900)).save(photo)
    out = tmp_path / "poster-en.jpg"

    png = render_poster(EN, out)
    save("poster-en.png", png)
    save(
        "poster-en-photo.png", render_poster(PosterSpec(**{**vars(EN), "background_image": photo}))
    )

    assert Image.open(out).format == "JPEG"
    assert [c.text for c in decode(out)] == [EN.qr_text]
    assert [c.text for c in decode(png)] == [EN.qr_text]


def test_chinese_glyphs_are_real_not_missing_glyph_boxes(cjk_font: FontChoice):
    font = cjk_font.at(64)
    for ch in "群邀请加入长按识别二维码":
        glyph, box = font.getmask(ch), font.getmask(poster.MISSING)  # box: the .notdef glyph
        assert glyph.getbbox() is not None, f"{ch} draws nothing"
        assert (glyph.size, bytes(glyph)) != (box.size, bytes(box)), f"{ch} is a tofu box"
        assert covers(font, ch)


def test_covers_tells_a_latin_font_from_a_chinese_one():
    dejavu = Path(poster.LATIN_FONTS[0])
    if not dejavu.is_file():
        assert not REQUIRE_FONTS, f"{dejavu} is required (SHEQUN_REQUIRE_FONTS=1)"
        pytest.skip("DejaVu Sans not installed")
    latin = FontChoice(dejavu).at(40)
    assert covers(latin, "A") and covers(latin, "é") and covers(latin, " ")
    assert not covers(latin, "群")


def test_no_chinese_font_says_how_to_install_one(no_fonts_found: None):
    with pytest.raises(NotFound) as caught:
        render_poster(ZH)
    message = str(caught.value)
    assert "apt-get install fonts-wqy-microhei" in message
    assert "fonts-noto-cjk" in message and "--font" in message
    assert "SHEQUN_POSTER_FONT" in message


def test_latin_poster_needs_no_chinese_font(no_fonts_found: None):
    assert [c.text for c in decode(render_poster(EN))] == [EN.qr_text]


def test_a_named_font_must_exist_and_draw_the_text(tmp_path: Path):
    with pytest.raises(NotFound, match="does not exist"):
        render_poster(EN, font=tmp_path / "nope.ttf")
    dejavu = Path(poster.LATIN_FONTS[0])
    if dejavu.is_file():
        with pytest.raises(ShequnError, match="no glyph for"):
            render_poster(ZH, font=dejavu)


def test_font_from_the_environment_comes_before_the_system_search(
    monkeypatch: pytest.MonkeyPatch, cjk_font: FontChoice
):
    assert cjk_font.path is not None
    monkeypatch.setenv(poster.FONT_ENV, str(cjk_font.path))
    assert find_font("中文").path == cjk_font.path
    monkeypatch.setenv(poster.FONT_ENV, "/nonexistent/font.ttc")
    with pytest.raises(NotFound, match="nonexistent"):
        find_font("中文")


def test_text_wraps_inside_the_width(cjk_font: FontChoice):
    font = cjk_font.at(32)
    lines = wrap(ZH.subtitle, font, 400, max_lines=5)
    assert len(lines) > 1 and "".join(lines) == ZH.subtitle
    assert all(font.getlength(line) <= 400 for line in lines)
    assert not any(line[0] in "，！" for line in lines)  # punctuation never starts a line

    words = wrap("invite your friends to the reading camp", font, 300, max_lines=5)
    assert " ".join(words) == "invite your friends to the reading camp"  # no word is split

    cut = wrap("一" * 200, font, 300, max_lines=2)
    assert len(cut) == 2 and cut[-1].endswith("…")


def test_emoji_in_a_name_is_left_out_not_drawn_as_a_box(cjk_font: FontChoice):
    font = cjk_font.at(40)
    assert poster.drawable("🌸小花", font) == "小花"
    png = render_poster(PosterSpec(**{**vars(ZH), "name": "🌸小花"}))
    assert [c.text for c in decode(png)] == [ZH.qr_text]


def test_unsupported_output_format_is_refused(tmp_path: Path):
    with pytest.raises(ShequnError, match=r"use \.png or \.jpg"):
        render_poster(EN, tmp_path / "poster.gif")


# --- the command ---------------------------------------------------------------------------


@pytest.fixture
def cli(database_url: str, capsys: pytest.CaptureFixture[str]) -> Iterator[Cli]:
    cli = Cli(database_url, capsys)
    assert cli.json("blueprint", "load", EXAMPLE / "community.toml")["new"] > 0
    assert cli.json("events", "add", EXAMPLE / "events.jsonl")["new"] > 0
    yield cli


def test_poster_command_draws_the_members_own_link(cli: Cli, tmp_path: Path, cjk_font: FontChoice):
    member = next(m for m in cli.json("members", "list") if m["display_name"])
    out = tmp_path / "mine.png"

    first = cli.json("poster", member["key"], "--out", out)
    again = cli.json("poster", member["key"], "--out", tmp_path / "again.png")

    assert first["path"] == str(out) and first["bytes"] == len(out.read_bytes())
    assert first["link"] == again["link"] and first["link"] in first["url"]
    assert [c.text for c in decode(out)] == [first["url"]]
    code, stdout, _ = cli.run("poster", member["key"], "--out", tmp_path / "plain.jpg")
    name, url = member["display_name"], first["url"]
    said = f"{tmp_path / 'plain.jpg'}：{name} 的海报，“我是{name}，邀请你一起加入”，链接 {url}"
    assert code == 0 and stdout.strip() == said  # the community speaks Chinese
    english = cli.json("poster", member["key"], "--out", tmp_path / "en.png", "--lang", "en")
    assert [c.text for c in decode(tmp_path / "en.png")] == [english["url"]]
    code, stdout, _ = cli.run("poster", member["key"], "--out", tmp_path / "en.png", "--lang", "en")
    told = f"{tmp_path / 'en.png'}: {name}'s poster, “I'm {name}, come and join us”, link {url}"
    assert code == 0 and stdout.strip() == told
    save("poster-cli.png", out.read_bytes())


def test_poster_command_for_a_stranger_fails_in_one_line(cli: Cli):
    code, _, err = cli.run("poster", "wechat:nobody-here")
    assert code == 1 and err.startswith("错误：") and err.count("\n") == 1
