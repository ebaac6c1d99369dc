"""WhatsApp exports from phones in other languages: placeholders and system lines."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from shequn.ingest.base import ImportContext
from shequn.ingest.job import ImportJob
from shequn.ingest.whatsapp import WhatsAppImporter
from shequn.ingest.whatsapp_lines import read_body
from shequn.ingest.whatsapp_locales import LOCALES, is_deleted, is_media_placeholder
from shequn.model.events import Event

LRM = "\u200e"
# locale: (an iOS media placeholder, the Android one, a deleted line, the encryption notice)
SAMPLES = {
    "es": ("imagen omitida", "<Multimedia omitido>", "Se eliminó este mensaje.",
           "Los mensajes y las llamadas están cifrados de extremo a extremo."),
    "nl": ("afbeelding weggelaten", "<Media weggelaten>", "Dit bericht is verwijderd.",
           "Berichten en oproepen zijn end-to-end versleuteld."),
    "de": ("Bild weggelassen", "<Medien ausgeschlossen>", "Diese Nachricht wurde gelöscht.",
           "Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt."),
    "fr": ("image absente", "<Médias omis>", "Ce message a été supprimé.",
           "Les messages et les appels sont chiffrés de bout en bout."),
    "pt": ("imagem ocultada", "<Mídia oculta>", "Mensagem apagada",
           "As mensagens e as chamadas são protegidas com a criptografia de ponta a ponta."),
    "id": ("gambar tidak disertakan", "<Media tidak disertakan>", "Pesan ini telah dihapus",
           "Pesan dan panggilan terenkripsi secara end-to-end."),
    "ru": ("изображение отсутствует", "<Без медиафайлов>", "Данное сообщение удалено.",
           "Сообщения и звонки защищены сквозным шифрованием."),
    "it": ("immagine omessa", "<Media omessi>", "Questo messaggio è stato eliminato.",
           "I messaggi e le chiamate sono crittografati end-to-end."),
    "tr": ("görüntü dahil edilmedi", "<Medya dahil edilmedi>", "Bu mesaj silindi.",
           "Mesajlar ve aramalar uçtan uca şifrelidir."),
    "zh": ("照片已忽略", "<省略影音内容>", "这条消息已被删除。", "消息和通话已进行端到端加密。"),
    "en": ("image omitted", "<Media omitted>", "This message was deleted.",
           "Messages and calls are end-to-end encrypted."),
}  # fmt: skip


def test_every_locale_in_the_table_has_a_sample() -> None:
    assert set(SAMPLES) == set(LOCALES)


@pytest.mark.parametrize("locale", sorted(SAMPLES))
def test_placeholders(locale: str) -> None:
    ios, android, deleted, _ = SAMPLES[locale]
    assert is_media_placeholder(LRM + ios) and is_media_placeholder(android)
    assert is_deleted(deleted) and not is_media_placeholder(deleted)
    body = read_body([LRM + ios])
    assert (body.text, body.has_media, body.deleted) == ("", True, False)
    body = read_body([deleted])
    assert (body.text, body.deleted) == ("", True)
    assert not is_media_placeholder(f"{ios} und mehr Text")  # words stay words


def test_document_placeholder_after_its_file_name() -> None:
    assert is_media_placeholder("Informe.pdf • 3 páginas documento omitido")
    assert not is_media_placeholder("a • b")


@pytest.mark.parametrize("locale", sorted(SAMPLES))
def test_an_ios_export_in_each_language(tmp_path: Path, locale: str) -> None:
    ios, _, deleted, notice = SAMPLES[locale]
    path = tmp_path / "WhatsApp Chat - Club.txt"
    path.write_text(
        f"[12.03.24, 10:15:32] Club: {LRM}{notice}\n"
        f"[12.03.24, 10:16:00] Ana: Hola\n"
        f"[12.03.24, 10:17:00] Ana: {LRM}{ios}\n"
        f"[12.03.24, 10:18:00] Bo: {LRM}{deleted}\n"
        f"[12.03.24, 10:19:00] Bo: {LRM}Bo ???\n",  # a system line in a language we cannot read
        encoding="utf-8",
    )
    ctx = ImportContext(path=path, community="c", tz=ZoneInfo("UTC"))
    job = ImportJob(WhatsAppImporter(), ctx)
    events: list[Event] = list(job.events())
    assert [(e.actor, e.data) for e in events] == [
        ("whatsapp:Ana", {"length": 4, "text": "Hola", "actor_name": "Ana"}),
        ("whatsapp:Ana", {"length": 0, "has_media": True, "actor_name": "Ana"}),
        ("whatsapp:Bo", {"length": 0, "actor_name": "Bo", "deleted": True}),
    ]
    s = job.summary
    assert s.records == 5 and s.imported == 3 and s.skipped == 0
    assert sum(s.ignored.values()) == 2  # the notice and the unreadable line, not messages


def test_x_added_x_is_not_a_self_invitation(tmp_path: Path) -> None:
    path = tmp_path / "WhatsApp Chat with Club.txt"
    path.write_text(
        "12/03/2024, 10:15 - Ana added Ana\n12/03/2024, 10:16 - Ana added Bo\n", encoding="utf-8"
    )
    ctx = ImportContext(path=path, community="c", tz=ZoneInfo("UTC"))
    got = [(e.kind, e.actor, e.subject) for e in ImportJob(WhatsAppImporter(), ctx).events()]
    assert got == [
        ("member.joined", "whatsapp:Ana", None),
        ("member.invited", "whatsapp:Ana", "whatsapp:Bo"),
        ("member.joined", "whatsapp:Bo", None),
    ]


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in (Path(__file__).parent / "data" / "whatsapp").glob("*.txt")),
)
def test_counts_add_up_to_the_message_lines(tmp_path: Path, name: str) -> None:
    from shequn.ingest.whatsapp_lines import parse_header

    source = Path(__file__).parent / "data" / "whatsapp" / name
    headers = sum(
        1 for line in source.read_text("utf-8").splitlines() if parse_header(line) is not None
    )
    ctx = ImportContext(path=source, community="c", tz=ZoneInfo("UTC"))
    job = ImportJob(WhatsAppImporter(), ctx)
    list(job.events())
    s = job.summary
    assert s.records == headers
    assert s.imported is not None and s.imported + s.skipped + sum(s.ignored.values()) == headers
