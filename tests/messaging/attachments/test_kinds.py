"""What a file is and how large it may be, as plain functions (attachment_types.py, thumbnails.py):
types come from the bytes, never from the name; programs, scripts, web pages, SVG, archives and
macro documents are refused by name (R-CHAT-3 carries documents, images and video, nothing that runs)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from services.common.errors import InvalidArgument
from services.messaging.attachments import kinds as types
from services.messaging.attachments.kinds import MB, Limits, check_text_file, office_type, safe_name, sniff
from services.messaging.attachments.thumbnails import inspect_image


def png_bytes(width: int, height: int, mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), (200, 30, 30, 128) if mode == "RGBA" else (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def zipped(path: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"%PDF-1.7\n...", types.PDF),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", types.JPEG),
        (b"\x89PNG\r\n\x1a\n\x00\x00", types.PNG),
        (b"GIF89a\x01\x00", types.GIF),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", types.WEBP),
        (b"\x00\x00\x00\x18ftypmp42\x00\x00", types.MP4),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00", types.MOV),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", types.WEBM),
        (b"ID3\x04\x00", types.MP3),
        (b"OggS\x00\x02", types.OGG),
        (b"PK\x03\x04\x14\x00", types.ZIP_CONTAINER),
        ("Домашнее задание на пятницу\n".encode(), types.TEXT_CANDIDATE),
    ],
)
def test_allowed_types_are_recognised_by_their_bytes(head: bytes, expected: types.FileType) -> None:
    assert sniff(head) is expected


@pytest.mark.parametrize(
    ("head", "named"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00", "Программы"),
        (b"\x7fELF\x02\x01\x01\x00", "Программы"),
        (b"#!/bin/sh\nrm -rf /\n", "Скрипты"),
        (b"<!DOCTYPE html><html><script>alert(1)</script>", "Веб-страницы"),
        (b"  <html><body onload=alert(1)>", "Веб-страницы"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "SVG"),
        (b'<?xml version="1.0"?><svg onload="alert(1)"/>', "SVG"),
        (b"\xef\xbb\xbf<script>alert(1)</script>", "Веб-страницы"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", "Старые форматы Office"),
        (b"Rar!\x1a\x07\x00", "Архивы"),
        (b"\x00\x01\x02\x03binary", "Файлы этого типа"),
    ],
)
def test_forbidden_types_are_refused_by_name(head: bytes, named: str) -> None:
    with pytest.raises(InvalidArgument, match=named):
        sniff(head)


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="Пустой файл"):
        sniff(b"")


def test_office_documents_are_told_apart_by_their_zip_directory(tmp_path: Path) -> None:
    content_types = b'<Types><Override ContentType="application/vnd.openxmlformats..."/></Types>'
    docx = zipped(tmp_path / "a", {"[Content_Types].xml": content_types, "word/document.xml": b"<w/>"})
    xlsx = zipped(tmp_path / "b", {"[Content_Types].xml": content_types, "xl/workbook.xml": b"<x/>"})
    pptx = zipped(tmp_path / "c", {"[Content_Types].xml": content_types, "ppt/presentation.xml": b"<p/>"})
    odt = zipped(tmp_path / "d", {"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b""})
    assert [office_type(p) for p in (docx, xlsx, pptx, odt)] == [
        types.DOCX,
        types.XLSX,
        types.PPTX,
        types.ODT,
    ]


def test_plain_archives_and_macro_documents_are_refused(tmp_path: Path) -> None:
    archive = zipped(tmp_path / "a", {"virus.exe": b"MZ"})
    with pytest.raises(InvalidArgument, match="Архивы"):
        office_type(archive)
    docm = zipped(
        tmp_path / "b",
        {
            "[Content_Types].xml": b'<Override ContentType="application/vnd.ms-word.'
            b'document.macroEnabled.main+xml"/>',
            "word/document.xml": b"<w/>",
            "word/vbaProject.bin": b"\x00",
        },
    )
    with pytest.raises(InvalidArgument, match="макросами"):
        office_type(docm)


def test_text_must_be_text_all_the_way_through(tmp_path: Path) -> None:
    good = tmp_path / "good"
    good.write_bytes("Список литературы:\n1. Пушкин\n".encode() * 2000)
    assert check_text_file(good) is types.TEXT
    binary_later = tmp_path / "bad"
    binary_later.write_bytes(b"plain start\n" * 500 + b"\x00\x01\x02")
    with pytest.raises(InvalidArgument):
        check_text_file(binary_later)


def test_each_kind_has_its_own_size_limit() -> None:
    limits = Limits(document=25 * MB, image=10 * MB, video=200 * MB, audio=50 * MB)
    limits.check("image", 10 * MB)
    limits.check("video", 150 * MB)
    with pytest.raises(InvalidArgument, match="не больше 10 МБ"):
        limits.check("image", 10 * MB + 1)
    with pytest.raises(InvalidArgument, match="не больше 25 МБ"):
        limits.check("document", 26 * MB)
    with pytest.raises(InvalidArgument, match="не больше 200 МБ"):
        limits.check_declared(201 * MB)


def test_the_name_keeps_no_path_and_gets_the_extension_of_what_the_file_is() -> None:
    assert safe_name("../../etc/отчёт.pdf", types.PDF) == "отчёт.pdf"
    assert safe_name("C:\\Users\\me\\фото.JPG", types.JPEG) == "фото.JPG"
    assert safe_name("отчёт.exe", types.TEXT) == "отчёт.exe.txt"
    assert safe_name('a"b<c>\x00.png', types.PNG) == "a_b_c__.png"
    assert safe_name("   ", types.PDF) == "файл.pdf"
    assert len(safe_name("я" * 500 + ".pdf", types.PDF)) == 200
    assert safe_name("я" * 500 + ".pdf", types.PDF).endswith(".pdf")


def test_an_image_gets_its_size_and_a_jpeg_thumbnail_of_at_most_320_pixels(tmp_path: Path) -> None:
    path = tmp_path / "wide.png"
    path.write_bytes(png_bytes(1000, 500, "RGBA"))
    facts = inspect_image(path)
    assert (facts.width, facts.height) == (1000, 500)
    with Image.open(io.BytesIO(facts.thumbnail)) as thumbnail:
        assert (thumbnail.format, thumbnail.size) == ("JPEG", (320, 160))


def test_a_file_that_only_pretends_to_be_an_image_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "fake.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really" * 10)
    with pytest.raises(InvalidArgument, match="повреждён"):
        inspect_image(path)
