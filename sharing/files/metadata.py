"""A photo kept without what its metadata says of where it was taken and with what.

A phone writes into a photo where it was taken (EXIF and XMP GPS coordinates, often the
victim's home), the phone's make, model and serial number, the owner's name, comments,
a thumbnail and, on some phones, more pictures or data after the image. A partner who
downloads the photo should learn none of that. ``without_metadata`` rewrites a JPEG, PNG
or WebP file's containers without them, keeping the image's own data byte for byte (no
new compression), its colour profile, and of its EXIF only the orientation (so the photo
does not turn sideways) and when it was taken.
"""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

#: The EXIF tags kept: orientation, and when the photo was taken (in the main directory
#: and in the EXIF directory).
ORIENTATION = 0x0112
DATE_TIME = 0x0132
EXIF_IFD = 0x8769
TAKEN = (0x9003, 0x9004)  # DateTimeOriginal, DateTimeDigitized

#: JPEG segments kept before the image data: JFIF (APP0), Adobe's colour transform
#: (APP14), and the tables and frame the image needs; an APP2 segment only if it is a
#: colour profile. Every other application segment (EXIF and XMP in APP1, IPTC in APP13,
#: makers' own) and comments are dropped.
_JPEG_APP0, _JPEG_APP2, _JPEG_APP14, _JPEG_SOS, _JPEG_EOI = 0xE0, 0xE2, 0xEE, 0xDA, 0xD9
_JPEG_KEPT_APPS = {_JPEG_APP0, _JPEG_APP14}
#: PNG chunks kept (the image, its colours and its animation); text, time, EXIF and any
#: other chunk are dropped.
_PNG_KEPT = {
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB",
    b"cICP", b"mDCV", b"cLLI", b"bKGD", b"hIST", b"pHYs", b"sPLT", b"acTL", b"fcTL", b"fdAT",
}  # fmt: skip
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: WebP chunks kept; EXIF and XMP (and anything else) dropped.
_WEBP_KEPT = {b"VP8X", b"ICCP", b"ANIM", b"ANMF", b"ALPH", b"VP8 ", b"VP8L"}
_WEBP_EXIF_FLAG, _WEBP_XMP_FLAG = 0x08, 0x04


class DamagedImage(ValueError):
    """The file's containers are not what its type says."""


def without_metadata(media_type: str, content: bytes) -> bytes:
    """``content`` (a JPEG, PNG or WebP image) without its metadata but its orientation
    and when it was taken; any other type unchanged. ``DamagedImage`` for a container
    that cannot be read."""
    if media_type == "image/jpeg":
        return _jpeg(content, _kept_exif(content))
    if media_type == "image/png":
        return _png(content, _kept_exif(content))
    if media_type == "image/webp":
        return _webp(content, _kept_exif(content))
    return content


def _kept_exif(content: bytes) -> bytes | None:
    """The EXIF to write back (a TIFF block, without JPEG's "Exif" header): orientation
    and the times the photo was taken; None when there are none."""
    found = Image.open(io.BytesIO(content)).getexif()
    kept = Image.Exif()
    for tag in (ORIENTATION, DATE_TIME):
        if found.get(tag) is not None:
            kept[tag] = found[tag]
    taken = {t: v for t, v in found.get_ifd(EXIF_IFD).items() if t in TAKEN}
    if taken:
        kept.get_ifd(EXIF_IFD).update(taken)
    if not kept and not taken:
        return None
    return kept.tobytes().removeprefix(b"Exif\x00\x00")


def _jpeg(content: bytes, exif: bytes | None) -> bytes:
    if content[:2] != b"\xff\xd8":
        raise DamagedImage("not a JPEG")
    out = [b"\xff\xd8"]
    if exif is not None:
        out.append(_jpeg_segment(0xE1, b"Exif\x00\x00" + exif))
    at = 2
    while True:
        if at + 4 > len(content) or content[at] != 0xFF:
            raise DamagedImage("a JPEG segment is cut short")
        marker = content[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        (length,) = struct.unpack(">H", content[at + 2 : at + 4])
        end = at + 2 + length
        if marker == _JPEG_SOS:
            # The image data to the end of the image: anything after it (another
            # picture, a maker's trailer) is left out.
            out.append(content[at : _jpeg_end(content, end)])
            return b"".join(out)
        segment = content[at:end]
        is_app = 0xE0 <= marker <= 0xEF
        keep = (
            marker in _JPEG_KEPT_APPS
            or (marker == _JPEG_APP2 and segment[4:16] == b"ICC_PROFILE\x00")
            or (not is_app and marker != 0xFE)  # tables and frame; comments dropped
        )
        if keep:
            out.append(segment)
        at = end


def _jpeg_end(content: bytes, at: int) -> int:
    """Where the image ends (after its end marker), reading on from the first scan's
    data at ``at``: through its stuffed bytes and restart markers, and the tables and
    scans of a progressive JPEG, each skipped by its length."""
    while True:
        at = content.find(b"\xff", at)
        if at < 0 or at + 1 >= len(content):
            return len(content)
        marker = content[at + 1]
        if marker == 0x00 or marker == 0xFF or 0xD0 <= marker <= 0xD7:
            at += 1 if marker == 0xFF else 2
        elif marker == _JPEG_EOI:
            return at + 2
        else:
            (length,) = struct.unpack(">H", content[at + 2 : at + 4].rjust(2, b"\x00"))
            at += 2 + length


def _jpeg_segment(marker: int, data: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(data) + 2) + data


def _png(content: bytes, exif: bytes | None) -> bytes:
    if not content.startswith(_PNG_SIGNATURE):
        raise DamagedImage("not a PNG")
    out = [_PNG_SIGNATURE]
    at = len(_PNG_SIGNATURE)
    while at < len(content):
        if at + 12 > len(content):
            raise DamagedImage("a PNG chunk is cut short")
        (length,) = struct.unpack(">I", content[at : at + 4])
        kind = content[at + 4 : at + 8]
        end = at + 12 + length
        if kind == b"IDAT" and exif is not None:  # eXIf comes before the image data
            out.append(_png_chunk(b"eXIf", exif))
            exif = None
        if kind in _PNG_KEPT:
            out.append(content[at:end])
        at = end
        if kind == b"IEND":
            break
    return b"".join(out)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _webp(content: bytes, exif: bytes | None) -> bytes:
    if content[:4] != b"RIFF" or content[8:12] != b"WEBP":
        raise DamagedImage("not a WebP image")
    chunks = []
    at = 12
    while at + 8 <= len(content):
        kind = content[at : at + 4]
        (length,) = struct.unpack("<I", content[at + 4 : at + 8])
        data = content[at + 8 : at + 8 + length]
        at += 8 + length + (length & 1)
        if kind in _WEBP_KEPT:
            chunks.append((kind, data))
    if chunks and chunks[0][0] == b"VP8X":
        flags = chunks[0][1][0] & ~(_WEBP_EXIF_FLAG | _WEBP_XMP_FLAG)
        if exif is not None:
            flags |= _WEBP_EXIF_FLAG
            chunks.append((b"EXIF", exif))  # after the image, as the format asks
        chunks[0] = (b"VP8X", bytes([flags]) + chunks[0][1][1:])
    body = b"".join(
        kind + struct.pack("<I", len(data)) + data + b"\x00" * (len(data) & 1)
        for kind, data in chunks
    )
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body
