"""What the table importer's tests share: the fixtures' folders, an import context in the
example community's zone, and a table written to a temporary file."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from shequn.ingest.base import ImportContext, Item
from shequn.ingest.table import TableImporter

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "csv"
MAPPED = ROOT / "tests" / "data" / "csv-mapped"
EXAMPLE = ROOT / "examples" / "study-group"
SHANGHAI = ZoneInfo("Asia/Shanghai")
TWO_CHATS_MAP = (
    "at=sent_at,actor=from_userid,text=text,name=from_name,reply_to=reply_id,"
    "id=msg_id,kind=type,group=chat"
)


def context(path: Path, group: str | None = None) -> ImportContext:
    return ImportContext(path=path, community="study-circle", tz=SHANGHAI, group=group)


def read(path: Path, importer: TableImporter | None = None, **ctx_args: str) -> list[Item]:
    return list((importer or TableImporter()).read(context(path, **ctx_args)))


def table(tmp_path: Path, text: str, name: str = "chat.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path
