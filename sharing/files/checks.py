"""What the hub accepts as a case's file, judged by its content, never by its name.

``checked`` finds the type from the bytes (libmagic, the ``file`` command's database),
refuses what is not on the list (an SVG drawing or a web page can carry scripts; an
archive can hide anything; UTF-8 text of another text type, such as an e-mail or a CSV
diary, is kept as plain text) and a PDF carrying a script or an action that starts a
program, or a Word document carrying macros (their reader may run them when it opens
them), opens what it can to be sure it is what it seems (an image's pixels, a PDF's
pages, a Word document's parts, expanding no further than a limit, so a zip bomb is
refused) and, for images and PDFs, draws a small JPEG preview on the server, from the
pixels alone (no metadata: a phone photo's location does not reach it). A photo is kept
without its location and device metadata (``sharing.files.metadata``).
"""

from __future__ import annotations

import io
import math
import re
import struct
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePath

import magic
import pypdfium2 as pdfium
from PIL import Image, ImageOps, UnidentifiedImageError

from sharing.errors import InputError
from sharing.files.metadata import DamagedImage, without_metadata

#: The largest image accepted, in pixels (a 48-megapixel phone photo is 48 million).
MAX_PIXELS = 64_000_000
#: How far a Word document may expand when opened, and how much each part may expand.
MAX_EXPANDED = 100 * 1024 * 1024
MAX_RATIO = 200
#: The longest side of a preview, in pixels.
PREVIEW_SIDE = 480
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Accepted:
    #: What the type is, as a reader says it.
    label: str
    #: How the hub opens it to check it: image, pdf, docx, text, or media (not opened).
    family: str
    #: The extension a download is named with.
    extension: str


ACCEPTED: dict[str, Accepted] = {
    "image/jpeg": Accepted("a JPEG image", "image", ".jpg"),
    "image/png": Accepted("a PNG image", "image", ".png"),
    "image/webp": Accepted("a WebP image", "image", ".webp"),
    "application/pdf": Accepted("a PDF", "pdf", ".pdf"),
    DOCX: Accepted("a Word document", "docx", ".docx"),
    "text/plain": Accepted("a text file", "text", ".txt"),
    "audio/mpeg": Accepted("an MP3 recording", "media", ".mp3"),
    "audio/x-m4a": Accepted("an M4A recording", "media", ".m4a"),
    "audio/mp4": Accepted("an M4A recording", "media", ".m4a"),
    "audio/x-wav": Accepted("a WAV recording", "media", ".wav"),
    "audio/wav": Accepted("a WAV recording", "media", ".wav"),
    "audio/ogg": Accepted("an Ogg recording", "media", ".ogg"),
    "video/mp4": Accepted("an MP4 video", "media", ".mp4"),
    "video/quicktime": Accepted("a QuickTime video", "media", ".mov"),
}
WHAT_IS_ACCEPTED = (
    "photos as JPEG, PNG or WebP; documents as PDF, Word (.docx) or text; recordings as "
    "MP3, M4A, WAV, Ogg, MP4 or QuickTime"
)
#: A phone's photo in the iPhone's own format: what to do is the officer's question.
_HEIC = (
    "a HEIC photo (an iPhone's own format), which the hub does not accept: share or export "
    "it as a JPEG (the iPhone does when it sends a photo by e-mail) and attach that"
)
_OLD_OFFICE = (
    "an older Office document (.doc or .xls), which can carry macros: save it as a PDF, or "
    "as a Word document (.docx), and attach that"
)
#: Types refused with a reason of their own.
REFUSED = {
    "image/svg+xml": "an SVG drawing, which can carry scripts: attach it as a PNG or JPEG image, or as a PDF",
    "text/html": "a web page, which can carry scripts: save or print it as a PDF and attach that",
    "text/xml": "an XML document, which a browser may show as a page: save it as a PDF and attach that",
    "application/xml": "an XML document, which a browser may show as a page: save it as a PDF and attach that",
    "application/zip": "a ZIP archive: attach each file in it on its own",
    "application/x-7z-compressed": "a 7-Zip archive: attach each file in it on its own",
    "application/x-rar": "a RAR archive: attach each file in it on its own",
    "application/gzip": "a compressed archive: attach each file in it on its own",
    "application/x-dosexec": "a program, which the hub never accepts",
    "application/x-executable": "a program, which the hub never accepts",
    "image/heic": _HEIC,
    "image/heif": _HEIC,
    "application/msword": _OLD_OFFICE,
    "application/vnd.ms-excel": _OLD_OFFICE,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (
        "a spreadsheet: save or print it as a PDF and attach that"
    ),
    "application/vnd.ms-outlook": (
        "an Outlook message: save or print it as a PDF and attach that, with each of its "
        "attachments on its own"
    ),
    "application/octet-stream": f"of a type the hub does not recognise. Attach {WHAT_IS_ACCEPTED}",
}
#: What a name's extension claims, for the message when the content says otherwise.
CLAIMS = {
    ".jpg": "a JPEG image",
    ".jpeg": "a JPEG image",
    ".png": "a PNG image",
    ".webp": "a WebP image",
    ".pdf": "a PDF",
    ".docx": "a Word document",
    ".txt": "a text file",
    ".mp3": "an MP3 recording",
    ".m4a": "an M4A recording",
    ".wav": "a WAV recording",
    ".mp4": "an MP4 video",
}
#: Markup a browser shows as a page (and may run the scripts of): refused when the file
#: begins as such, kept as text when the detection found a tag in a sentence of a note.
MARKUP = {"text/html", "text/xml", "application/xml"}
#: Text types never kept as plain text: a script, and a rich text document (its codes).
NOT_PLAIN = {"text/javascript", "application/javascript", "text/x-javascript", "text/rtf"}


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    accepted: Accepted
    #: A JPEG drawn from an image or a PDF's first page; None for other files.
    preview: bytes | None
    #: What is kept: a photo without its location and device metadata
    #: (``sharing.files.metadata``), any other file as it came.
    content: bytes


def checked(field: str, name: str, content: bytes, max_bytes: int) -> CheckedFile:
    """The file, its type found from ``content`` and a preview where there is one; an
    ``InputError`` at ``field`` saying what is wrong with it (empty, too large, a type not
    accepted or not what its name says, damaged, a zip bomb). The file's name is used only
    to say what it claimed to be, never repeated."""
    if not content:
        raise InputError(field, "The file is empty: select the file again, or another one")
    if len(content) > max_bytes:
        raise InputError(
            field,
            f"The file is {size_text(len(content), over=max_bytes)}: the most a file can be "
            f"is {size_text(max_bytes)}",
        )
    found = _as_text(magic.from_buffer(content[:65536], mime=True), content)
    accepted = ACCEPTED.get(found)
    if accepted is None:
        raise InputError(field, _not_accepted(name, found))
    preview = _opened(field, accepted, content)
    return CheckedFile(found, accepted, preview, _kept(field, accepted, found, content))


def _kept(field: str, accepted: Accepted, found: str, content: bytes) -> bytes:
    """The bytes to keep: an image without its metadata, anything else unchanged."""
    if accepted.family != "image":
        return content
    try:
        return without_metadata(found, content)
    except (DamagedImage, struct.error, UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise InputError(
            field, f"The file looks like {accepted.label} but cannot be opened: it is damaged"
        ) from None


def _as_text(found: str, content: bytes) -> str:
    """``text/plain`` for text the detection calls by another text type (an e-mail saved
    as text is ``message/rfc822``, a diary kept as CSV ``text/csv``, a note that mentions
    "<html>" in a sentence ``text/html``), so that it is kept and served as plain text (and
    refused if it is not UTF-8); ``found`` for anything else, and for a file that begins
    as markup a browser would show as a page."""
    if not (found.startswith("text/") or found == "message/rfc822") or found in NOT_PLAIN:
        return found
    if found in MARKUP and content.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return found
    return "text/plain"


def _not_accepted(name: str, found: str) -> str:
    claim = CLAIMS.get(PurePath(name).suffix.lower())
    start = f"The file is named as {claim} but is not one: it is" if claim else "The file is"
    if found in REFUSED:
        return f"{start} {REFUSED[found]}"
    return f"{start} of a type the hub does not accept ({found}). Attach {WHAT_IS_ACCEPTED}"


def _opened(field: str, accepted: Accepted, content: bytes) -> bytes | None:
    """Open the file as its family says, to be sure of it: the preview for an image or a
    PDF, None for the others."""
    if accepted.family == "image":
        return _image_preview(field, accepted, content)
    if accepted.family == "pdf":
        return _pdf_preview(field, content)
    if accepted.family == "docx":
        _check_docx(field, content)
    elif accepted.family == "text":
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(
                field, "The text file is not in UTF-8: save it as UTF-8 text, or as a PDF"
            ) from None
    return None


def _image_preview(field: str, accepted: Accepted, content: bytes) -> bytes:
    damaged = f"The file looks like {accepted.label} but cannot be opened: it is damaged"
    unreadable = (UnidentifiedImageError, OSError, SyntaxError, ValueError)
    too_large = (
        f"The image has more than {MAX_PIXELS // 1_000_000} million pixels, the most the hub "
        "opens: attach a smaller copy"
    )
    try:
        with warnings.catch_warnings():
            # Pillow warns of a possible decompression bomb before it refuses one.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            width, height = Image.open(io.BytesIO(content)).size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError(field, too_large) from None
    except unreadable:
        raise InputError(field, damaged) from None
    if width * height > MAX_PIXELS:
        raise InputError(field, too_large)
    try:
        Image.open(io.BytesIO(content)).verify()
        image = Image.open(io.BytesIO(content))
        image.draft("RGB", (PREVIEW_SIDE * 2, PREVIEW_SIDE * 2))
        return _jpeg(ImageOps.exif_transpose(image) or image)
    except unreadable:
        raise InputError(field, damaged) from None


_PDF_DAMAGED = (
    "The PDF cannot be opened: it is damaged, or protected by a password (remove the "
    "password and attach it again)"
)
_PDF_SCRIPTED = (
    "The PDF carries a script or an action that starts a program, which a PDF reader may "
    "run when it is opened: print it to a new PDF and attach that"
)
#: The names of a PDF's actions that run a script or start a program.
_PDF_RUNS = {b"JavaScript", b"JS", b"Launch"}
#: A PDF name (``/JavaScript``, or written with escapes as ``/J#61vaScript``).
_PDF_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
#: Where an object stream (objects compressed together) begins: its data follows the
#: next ``stream`` keyword.
_PDF_OBJECT_STREAM = re.compile(rb"/Type\s*/ObjStm")
_PDF_STREAM = re.compile(rb"stream\r?\n")
_PDF_STREAM_DATA = re.compile(rb"stream\r?\n.*?endstream", re.DOTALL)


def _pdf_runs_something(content: bytes) -> bool:
    """Whether the PDF names an action that runs a script or starts a program, in its
    objects as written (not in the data of its streams, such as a page's text) or
    compressed together in object streams (expanded no further than ``MAX_EXPANDED`` in
    all)."""
    texts = [_PDF_STREAM_DATA.sub(b" ", content)]
    rest = memoryview(content)
    budget = MAX_EXPANDED
    for found in _PDF_OBJECT_STREAM.finditer(content):
        start = _PDF_STREAM.search(content, found.end())
        if start is None or budget <= 0:
            break
        try:
            expanded = zlib.decompressobj().decompress(rest[start.end() :], budget)
        except zlib.error:
            continue  # not compressed as Flate: PDFium judges whether it can be read
        budget -= len(expanded)
        texts.append(expanded)
    return any(
        re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m[1], 16)]), name) in _PDF_RUNS
        for text in texts
        for name in _PDF_NAME.findall(text)
    )


def _pdf_preview(field: str, content: bytes) -> bytes:
    try:
        document = pdfium.PdfDocument(content)
    except pdfium.PdfiumError:
        raise InputError(field, _PDF_DAMAGED) from None
    if _pdf_runs_something(content):
        document.close()
        raise InputError(field, _PDF_SCRIPTED)
    try:
        if len(document) == 0:
            raise InputError(field, "The PDF has no pages")
        page = document[0]
        scale = PREVIEW_SIDE / max(page.get_width(), page.get_height(), 1)
        return _jpeg(page.render(scale=min(scale, 4)).to_pil())
    except pdfium.PdfiumError:  # its first page cannot be loaded or drawn
        raise InputError(field, _PDF_DAMAGED) from None
    finally:
        document.close()


def _jpeg(image: Image.Image) -> bytes:
    """A small JPEG of ``image``: its pixels only, no metadata."""
    preview = image.convert("RGB")
    preview.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
    out = io.BytesIO()
    preview.save(out, "JPEG", quality=80)
    return out.getvalue()


def _check_docx(field: str, content: bytes) -> None:
    """A Word document is a ZIP of XML parts: it must hold its main part, no macros (a
    macro-enabled document found to be a Word document by its content), and expand no
    further than the limits (a zip bomb expands a few kilobytes into gigabytes)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise InputError(field, "The Word document cannot be opened: it is damaged") from None
    expanded = sum(p.file_size for p in parts)
    if expanded > MAX_EXPANDED or any(
        p.file_size > MAX_RATIO * max(p.compress_size, 1) for p in parts
    ):
        raise InputError(
            field,
            f"The Word document would expand to {size_text(expanded)} when opened, far more than "
            "its size: it is refused as a possible zip bomb. Save it as a PDF and attach that",
        )
    names = {p.filename for p in parts}
    if "word/document.xml" not in names:
        raise InputError(field, "The Word document cannot be opened: it has no text part")
    if any(PurePath(name).name.lower() == "vbaproject.bin" for name in names):
        raise InputError(
            field,
            "The Word document carries macros, a program its reader may run: save it as a "
            "Word document without macros, or as a PDF, and attach that",
        )


def size_text(n: int, over: int | None = None) -> str:
    """A size as a reader says it: 2.4 MB, 310 KB, 12 bytes. A size ``over`` a limit is
    rounded up, so that it never reads as the limit itself ("20.1 MB" for a file a little
    over 20 MB, where rounding gave "The file is 20 MB: the most a file can be is 20 MB")."""
    if n >= 1024 * 1024:
        megabytes = n / (1024 * 1024)
        if over is not None and n > over:
            megabytes = math.ceil(megabytes * 10) / 10
        return f"{megabytes:.1f} MB".replace(".0 MB", " MB")
    if n >= 1024:
        return f"{-(-n // 1024) if over is not None and n > over else n // 1024} KB"
    return f"{n} bytes"
