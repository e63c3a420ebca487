"""Pictures that pandoc need not parse: each PNG of the DOCX's Markdown goes to pandoc as a small stand-in.

Of a PNG, pandoc's DOCX writer reads only its size in pixels and its resolution (the IHDR and pHYs chunks), to
size the picture, and stores the file as it is. Parsing the base64 of every chart and map inside the Markdown
(pandoc is sandboxed: pictures travel in it) was a third of the briefing's DOCX conversion. So each PNG goes to
pandoc as a blank one of the same IHDR and pHYs, a few kilobytes, tagged so that no two are alike, and the
document pandoc wrote gets the real bytes back in its picture parts (restore) before anything reads them. Where a
stand-in cannot be found again in the document (a pandoc that re-encodes pictures), the build converts the real
Markdown instead (real_markdown): a picture is never left blank.
"""

from __future__ import annotations

import base64
import re
import struct
import zlib
from typing import Any

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_URI = re.compile(r"(?<=\]\()data:image/png;base64,([A-Za-z0-9+/=]+)")
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # by the PNG's colour type


def stand_in_markdown(markdown: str) -> tuple[str, dict[bytes, bytes]]:
    """The Markdown with each PNG picture (a data: URI) replaced by its stand-in, and the real PNG of each stand-in."""
    stand_ins: dict[bytes, bytes] = {}
    uris: dict[str, str] = {}

    def swap(match: re.Match) -> str:
        encoded = match.group(1)
        if encoded not in uris:
            stand_in = blank_png(base64.b64decode(encoded), len(uris))
            if stand_in is None:
                return match.group(0)
            stand_ins[stand_in] = base64.b64decode(encoded)
            uris[encoded] = "data:image/png;base64," + base64.b64encode(stand_in).decode("ascii")
        return uris[encoded]

    return _PNG_URI.sub(swap, markdown), stand_ins


def real_markdown(markdown: str, stand_ins: dict[bytes, bytes]) -> str:
    """The Markdown of stand_in_markdown with the real pictures back."""
    for stand_in, real in stand_ins.items():
        markdown = markdown.replace(base64.b64encode(stand_in).decode("ascii"), base64.b64encode(real).decode("ascii"))
    return markdown


def restore(document: Any, stand_ins: dict[bytes, bytes]) -> bool:
    """Put the real bytes into the picture parts of the python-docx `document` that hold a stand-in; True if every
    stand-in was found (else the document is not to be used)."""
    found = set()
    for part in document.part.package.iter_parts():
        if str(part.partname).startswith("/word/media/") and part.blob in stand_ins:
            found.add(part.blob)
            part._blob = stand_ins[part.blob]  # noqa: SLF001 - python-docx keeps a part's bytes there
    return found == set(stand_ins)


def blank_png(png: bytes, number: int) -> bytes | None:
    """A PNG with the IHDR (size, depth, colours), PLTE and pHYs (resolution) of `png`, its pixels all zero and a
    text chunk with `number`; None for a file this does not read (not a PNG, interlaced)."""
    if not png.startswith(PNG_SIGNATURE):
        return None
    chunks: dict[bytes, bytes] = {}
    position = len(PNG_SIGNATURE)
    while position + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[position:position + 8])
        if kind in (b"IDAT", b"IEND"):
            break
        if kind in (b"IHDR", b"PLTE", b"pHYs"):
            chunks[kind] = png[position:position + 12 + length]
        position += 12 + length
    header = chunks.get(b"IHDR")
    if header is None or len(header) != 25:
        return None
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header[8:21])
    channels = _CHANNELS.get(colour)
    if channels is None or interlace or (colour == 3 and b"PLTE" not in chunks):
        return None
    row = (width * depth * channels + 7) // 8
    pixels = zlib.compress(bytes((row + 1) * height), 6)  # each row: filter type 0, then zeros
    return b"".join([PNG_SIGNATURE, header, chunks.get(b"PLTE", b""), chunks.get(b"pHYs", b""),
                     _chunk(b"tEXt", b"Comment\0briefkit stand-in %d" % number), _chunk(b"IDAT", pixels),
                     _chunk(b"IEND", b"")])


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
