"""WhatsApp's placeholders in the phone's language: media left out of the export, deleted
messages. The export writes them where the message was, in the exporting phone's language;
unrecognised, they would count as words someone wrote.

The strings are WhatsApp's own (its iOS ``Localizable.strings`` and Android ``strings.xml``), as
collected by open-source export parsers (the Dart ``whatsapp_chat_parser`` patterns keyed by
their Localizable keys, per-locale tables in chat analysers) and seen in exports quoted in
public repositories. Facts only; no code taken. iOS writes one placeholder per media type
(``imagen omitida``), Android one for all (``<Multimedia omitido>``).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Locale:
    media: tuple[str, ...]
    deleted: tuple[str, ...]


LOCALES: dict[str, Locale] = {
    "en": Locale(
        ("image omitted", "video omitted", "audio omitted", "sticker omitted", "GIF omitted",
         "document omitted", "Contact card omitted", "<Media omitted>", "<Video note omitted>"),
        ("This message was deleted", "You deleted this message"),
    ),
    "es": Locale(
        ("imagen omitida", "video omitido", "audio omitido", "sticker omitido", "GIF omitido",
         "documento omitido", "Tarjeta de contacto omitida", "<Multimedia omitido>",
         "<Archivo omitido>"),
        ("Se eliminó este mensaje", "Eliminaste este mensaje", "Este mensaje fue eliminado"),
    ),
    "nl": Locale(
        ("afbeelding weggelaten", "video weggelaten", "audio weggelaten", "sticker weggelaten",
         "GIF weggelaten", "document weggelaten", "Visitekaartje weggelaten",
         "<Media weggelaten>"),
        ("Dit bericht is verwijderd", "U hebt dit bericht verwijderd"),
    ),
    "de": Locale(
        ("Bild weggelassen", "Video weggelassen", "Audio weggelassen", "Sticker weggelassen",
         "GIF weggelassen", "Dokument weggelassen", "Kontaktkarte ausgelassen",
         "<Medien ausgeschlossen>", "<Medien weggelassen>"),
        ("Diese Nachricht wurde gelöscht", "Du hast diese Nachricht gelöscht"),
    ),
    "fr": Locale(
        ("image absente", "vidéo absente", "audio omis", "sticker omis", "GIF retiré",
         "document manquant", "Fiche contact manquante", "<Médias omis>", "<Fichier omis>"),
        ("Ce message a été supprimé", "Vous avez supprimé ce message"),
    ),
    "pt": Locale(
        ("imagem ocultada", "imagem não revelada", "vídeo omitido", "vídeo não revelado",
         "áudio ocultado", "ficheiro de áudio não revelado", "figurinha omitida",
         "sticker não revelado", "GIF omitido", "GIF não revelada", "documento omitido",
         "documento não revelado", "Cartão do contato omitido", "Contacto não revelado",
         "<Mídia oculta>", "<Mídia omitida>", "<Ficheiro não revelado>"),
        ("Mensagem apagada", "Esta mensagem foi apagada", "Apagou esta mensagem",
         "Você apagou esta mensagem"),
    ),
    "id": Locale(
        ("gambar tidak disertakan", "video tidak disertakan", "audio tidak disertakan",
         "stiker tidak disertakan", "GIF tidak disertakan", "dokumen tidak disertakan",
         "Kartu kontak tidak disertakan", "<Media tidak disertakan>"),
        ("Pesan ini telah dihapus", "Pesan ini dihapus", "Anda menghapus pesan ini",
         "Anda telah menghapus pesan ini"),
    ),
    "ru": Locale(
        ("изображение отсутствует", "видео отсутствует", "аудиофайл отсутствует",
         "аудио отсутствует", "стикер не добавлен", "GIF отсутствует", "документ отсутствует",
         "карточка контакта отсутствует", "<Без медиафайлов>", "<Медиа отсутствует>"),
        ("Данное сообщение удалено", "Вы удалили данное сообщение", "Вы удалили это сообщение"),
    ),
    "it": Locale(
        ("immagine omessa", "video omesso", "audio omesso", "sticker non incluso", "GIF esclusa",
         "documento omesso", "Scheda contatto omessa", "<Media omessi>", "<Media omesso>"),
        ("Questo messaggio è stato eliminato", "Hai eliminato questo messaggio"),
    ),
    "tr": Locale(
        ("görüntü dahil edilmedi", "video dahil edilmedi", "ses dahil edilmedi",
         "Çıkartma dahil edilmedi", "GIF dahil edilmedi", "belge dahil edilmedi",
         "Kişi kartı dahil edilmedi", "<Medya dahil edilmedi>", "<Medya atlanmış>"),
        ("Bu mesaj silindi", "Bu mesajı sildiniz"),
    ),
    "zh": Locale(
        ("照片已忽略", "视频已忽略", "音频已忽略", "贴图已省略", "GIF 动态图已被忽略", "文档已省略",
         "联系人卡片已忽略", "圖片已略去", "影片已略去", "音訊已略去", "貼圖已略去", "文件已略去",
         "聯絡人卡片已略去", "<省略影音内容>", "<省略多媒体文件>", "<忽略多媒體檔>"),
        ("这条消息已被删除", "此訊息已刪除", "您已删除这条消息", "您已刪除此訊息"),
    ),
}  # fmt: skip
"""Locale → its placeholders. Add a locale here, and a line to the per-locale test."""


MARKS = "\u200e\u200f\ufeff\u202a\u202b\u202c\u2066\u2067\u2068\u2069"
"""Direction marks and the byte-order mark: invisible, never part of a name or a date."""


def _fold(text: str) -> str:
    """Compare as WhatsApp varies them: any case, NFC, no final full stop, spaces collapsed."""
    text = unicodedata.normalize("NFC", text).strip(MARKS + " ").rstrip(".。").strip()
    return " ".join(text.split()).casefold()


_MEDIA = {_fold(s) for loc in LOCALES.values() for s in loc.media}
_MEDIA |= {_fold(s.strip("<>")) for s in _MEDIA}  # iOS may wrap, Android may not
_DELETED = {_fold(s) for loc in LOCALES.values() for s in loc.deleted}


def is_media_placeholder(line: str) -> bool:
    """The line is a media placeholder in one of :data:`LOCALES` (a document's may follow
    its file name and page count)."""
    folded = _fold(line)
    if folded in _MEDIA or folded.strip("<>") in _MEDIA:
        return True
    if "•" not in folded:  # "report.pdf • 2 pages documento omitido"
        return False
    words = folded.rsplit("•", 1)[1].split()
    return any(" ".join(words[i:]) in _MEDIA for i in range(1, len(words)))


def is_deleted(line: str) -> bool:
    """The line is a "message deleted" placeholder in one of :data:`LOCALES`."""
    return _fold(line) in _DELETED
