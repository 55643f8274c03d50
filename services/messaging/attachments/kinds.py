"""What a file is, decided from its bytes (never from the client's name or Content-Type), and how
large it may be (R-CHAT-3: messages carry documents, images, video).

Plain functions over bytes and paths, easy to test alone:
- `sniff(head)` looks at the first bytes: a `FileType` on the allow-list, `ZIP_CONTAINER` (an office
  document is a zip; `office_type(path)` tells which from the zip's directory), `TEXT_CANDIDATE`
  (no magic: plain text, checked whole by `check_text_file`), or raises InvalidArgument naming what
  is refused: programs, scripts, web pages and SVG (both can carry script), archives, old binary
  Office formats (macros).
- `Limits.check(kind, size)` refuses a file over its kind's limit.
- `safe_name(name, file_type)` cleans the name and makes its extension agree with the detected type.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from services.common.errors import InvalidArgument

Kind = Literal["document", "image", "video", "audio"]
KINDS: tuple[Kind, ...] = ("document", "image", "video", "audio")
KIND_NAMES: dict[Kind, str] = {
    "document": "документа",
    "image": "изображения",
    "video": "видео",
    "audio": "аудио",
}

# How many leading bytes `sniff` wants (it works with fewer when the file is shorter).
HEAD_BYTES = 4096
MAX_NAME_CHARS = 200
MB = 1024 * 1024


@dataclass(frozen=True)
class FileType:
    content_type: str
    kind: Kind
    extensions: tuple[str, ...]  # the first is the one added when the name has none of them


PDF = FileType("application/pdf", "document", (".pdf",))
DOCX = FileType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "document", (".docx",)
)
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "document", (".xlsx",))
PPTX = FileType(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation", "document", (".pptx",)
)
ODT = FileType("application/vnd.oasis.opendocument.text", "document", (".odt",))
ODS = FileType("application/vnd.oasis.opendocument.spreadsheet", "document", (".ods",))
ODP = FileType("application/vnd.oasis.opendocument.presentation", "document", (".odp",))
TEXT = FileType("text/plain", "document", (".txt", ".csv", ".md", ".log"))
JPEG = FileType("image/jpeg", "image", (".jpg", ".jpeg"))
PNG = FileType("image/png", "image", (".png",))
GIF = FileType("image/gif", "image", (".gif",))
WEBP = FileType("image/webp", "image", (".webp",))
MP4 = FileType("video/mp4", "video", (".mp4", ".m4v"))
MOV = FileType("video/quicktime", "video", (".mov",))
WEBM = FileType("video/webm", "video", (".webm",))
MP3 = FileType("audio/mpeg", "audio", (".mp3",))
OGG = FileType("audio/ogg", "audio", (".ogg", ".oga", ".opus"))
M4A = FileType("audio/mp4", "audio", (".m4a",))
WAV = FileType("audio/wav", "audio", (".wav",))

# Not final answers: sniff's "look inside the zip" and "check it is really text".
ZIP_CONTAINER = FileType("application/zip", "document", (".zip",))
TEXT_CANDIDATE = FileType("text/plain", "document", (".txt",))

ALLOWED_TEXT = (
    "Можно прикреплять документы (PDF, DOCX, XLSX, PPTX, ODT, ODS, ODP, TXT), изображения (JPEG, PNG, "
    "GIF, WebP), видео (MP4, MOV, WebM) и аудио (MP3, OGG, M4A, WAV)"
)


def refused(what: str) -> InvalidArgument:
    return InvalidArgument(f"{what} прикреплять нельзя. {ALLOWED_TEXT}")


_MARKUP = re.compile(rb"^\s*<(!doctype|html|head|body|script|svg|\?xml|iframe|object|embed|meta|a\s|div|!--)")
_ISO_MEDIA_BRANDS_VIDEO = {
    b"isom",
    b"iso2",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"avc1",
    b"M4V ",
    b"dash",
}
_ISO_MEDIA_BRANDS_AUDIO = {b"M4A ", b"M4B "}


def _looks_like_markup(head: bytes) -> bool:
    return bool(_MARKUP.match(head.removeprefix(b"\xef\xbb\xbf")[:512].lower()))


def sniff(head: bytes) -> FileType:
    """The file's type from its first bytes; InvalidArgument for anything not on the allow-list."""
    if not head:
        raise InvalidArgument("Пустой файл")
    # Refused outright, named so people understand why.
    if (
        head.startswith(b"MZ")
        or head.startswith(b"\x7fELF")
        or head[:4]
        in {
            b"\xfe\xed\xfa\xce",
            b"\xfe\xed\xfa\xcf",
            b"\xce\xfa\xed\xfe",
            b"\xcf\xfa\xed\xfe",
            b"\xca\xfe\xba\xbe",
        }
    ):
        raise refused("Программы (исполняемые файлы)")
    if head.startswith(b"#!"):
        raise refused("Скрипты")
    if _looks_like_markup(head):
        raise refused("Веб-страницы, SVG и другие файлы разметки (в них может быть скрипт)")
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise InvalidArgument(
            "Старые форматы Office (.doc, .xls, .ppt: в них бывают макросы) прикреплять нельзя: "
            "сохраните файл как DOCX, XLSX, PPTX или PDF"
        )
    if head.startswith((b"Rar!", b"7z\xbc\xaf\x27\x1c", b"\x1f\x8b", b"BZh")):
        raise refused("Архивы")
    # The allow-list.
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return WAV
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _ISO_MEDIA_BRANDS_AUDIO:
            return M4A
        if brand == b"qt  ":
            return MOV
        if brand in _ISO_MEDIA_BRANDS_VIDEO or brand.startswith(b"mp4"):
            return MP4
        raise refused("Этот вид медиафайла")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        if b"webm" in head[:64]:
            return WEBM
        raise refused("Видео Matroska (MKV)")
    if head.startswith(b"OggS"):
        return OGG
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return MP3
    if head.startswith(b"PK\x03\x04"):
        return ZIP_CONTAINER
    if _is_text(head, complete=False):
        return TEXT_CANDIDATE
    raise refused("Файлы этого типа")


def _is_text(data: bytes, *, complete: bool) -> bool:
    """UTF-8 without NULs or control characters other than tab, newlines and form feed."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        # A head cut inside a multi-byte character is still text.
        if complete or error.start < len(data) - 3:
            return False
        text = data[: error.start].decode("utf-8")
    return not any(unicodedata.category(c) == "Cc" and c not in "\t\n\r\f" for c in text)


def check_text_file(path: Path) -> FileType:
    """The whole file is UTF-8 text and no markup: text/plain. Blocking: run it off the event loop."""
    data = path.read_bytes()
    if _looks_like_markup(data[:HEAD_BYTES]) or not _is_text(data, complete=True):
        raise refused("Файлы этого типа")
    return TEXT


_OFFICE_MAIN_PARTS = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX, "ppt/presentation.xml": PPTX}
_OPEN_DOCUMENT = {
    b"application/vnd.oasis.opendocument.text": ODT,
    b"application/vnd.oasis.opendocument.spreadsheet": ODS,
    b"application/vnd.oasis.opendocument.presentation": ODP,
}


def office_type(path: Path) -> FileType:
    """Which office document a zip is (DOCX, XLSX, PPTX, ODT, ODS, ODP); other zips — archives,
    macro-enabled documents — are refused. Blocking: run it off the event loop."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                found = _OPEN_DOCUMENT.get(archive.read("mimetype").strip())
                if found is not None:
                    return found
            if "[Content_Types].xml" in names:
                types = archive.read("[Content_Types].xml")
                if b"macroenabled" in types.lower() or "vbaProject.bin" in " ".join(names):
                    raise refused("Документы с макросами")
                for part, file_type in _OFFICE_MAIN_PARTS.items():
                    if part in names:
                        return file_type
    except zipfile.BadZipFile:
        raise InvalidArgument("Файл повреждён: не удалось прочитать документ") from None
    raise refused("Архивы")


@dataclass(frozen=True)
class Limits:
    """Largest file of each kind, in bytes."""

    document: int = 25 * MB
    image: int = 10 * MB
    video: int = 200 * MB
    audio: int = 50 * MB

    @property
    def largest(self) -> int:
        return max(self.document, self.image, self.video, self.audio)

    def of(self, kind: Kind) -> int:
        return int(getattr(self, kind))

    def check(self, kind: Kind, size: int) -> None:
        """Refuse a file over its kind's limit (size may be a declared size or the bytes so far)."""
        limit = self.of(kind)
        if size > limit:
            raise InvalidArgument(
                f"Файл слишком большой: размер {KIND_NAMES[kind]} — не больше {limit // MB} МБ"
            )

    def check_declared(self, size: int) -> None:
        if size < 0:
            raise InvalidArgument("Размер файла не может быть отрицательным")
        if size > self.largest:
            raise InvalidArgument(f"Файл слишком большой: не больше {self.largest // MB} МБ")


_UNSAFE_NAME_CHARS = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


def safe_name(name: str, file_type: FileType) -> str:
    """The name people see and download: no path, no control or reserved characters, at most 200
    characters, and an extension that agrees with the detected type ("отчёт.exe" holding text
    becomes "отчёт.exe.txt")."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFC", _UNSAFE_NAME_CHARS.sub("_", base)).strip().strip(".")
    if not base:
        base = "файл"
    if not base.lower().endswith(file_type.extensions):
        base += file_type.extensions[0]
    if len(base) > MAX_NAME_CHARS:
        stem, dot, extension = base.rpartition(".")
        base = stem[: MAX_NAME_CHARS - len(extension) - 1] + dot + extension
    return base
