"""Does a PDF carry anything that acts by itself when opened: a script, a program to launch, an attached file?

A business plan is pages to read. Staff open plans on office PCs, often in Adobe Reader, which runs a PDF's
JavaScript and offers to open its attachments; so such a PDF is refused at upload (the person is told how to get
a plain one), rather than stored and flagged for a clerk who cannot judge it. What is looked for, as names in the
PDF's dictionaries (also those packed in compressed object streams, and also when spelt with #xx escapes):
JavaScript (/JS, /JavaScript), /Launch, attached files (/EmbeddedFile, /EmbeddedFiles, /GoToE), opening another
file or share (/GoToR: a link to \\\\server\\share leaks the Windows sign-in), /SubmitForm, /ImportData,
/RichMedia and /XFA forms. An /OpenAction by itself is not refused: fpdf2 (our own photos-to-PDF), Word and
LibreOffice write one to open at the first page; it is refused when it is one of the actions above. Links to
web pages (/URI) and fillable forms (/AcroForm) are normal in documents and stay accepted.

The long names are looked for in every byte of the file, streams included: seven letters never spell /Launch by
chance, and no trick with a fake "stream" keyword can hide a dictionary from that look. The short /JS is looked
for only outside streams (page contents, images, fonts): in 10 MB of image data three bytes spell "/JS" by chance
often enough to refuse honest files.

This is a check at the door, not a sandbox: a PDF built to be read differently by us and by a viewer may still
pass. The second line is on the staff PCs: Adobe Reader's JavaScript switched off (README, Security).
"""
from __future__ import annotations

import re
import zlib

ACTIVE = (b"JS", b"JavaScript", b"Launch", b"EmbeddedFile", b"EmbeddedFiles", b"GoToE", b"GoToR", b"SubmitForm",
          b"ImportData", b"RichMedia", b"XFA")
MAX_INFLATED = 50 * 1024 * 1024  # object streams of a 10 MB plan hold far less; more is a bomb
HEADER_AT_MOST = 4096  # bytes of a stream's dictionary looked at (an object stream's is a line)
DELIMITER = rb"(?=[\x00\t\n\f\r ()<>\[\]{}/%]|\Z)"
ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
STREAM = re.compile(rb"\bstream(?:\r\n|\n|\r)")
END_STREAM = re.compile(rb"(?:\r\n|\n|\r)?endstream")
DIRECT_LENGTH = re.compile(rb"/Length\s+(\d+)(?!\s+\d+\s+R)")


def _spelt(*names: bytes) -> re.Pattern:
    """/Name as a PDF may spell it: each letter as itself or as #xx (/J#61vaScript is /JavaScript). One compiled
    pattern, so that a 10 MB file is searched at the regex engine's speed, not name by name in Python."""
    def letter(byte: int) -> bytes:
        digits = b"".join(b"[%s%s]" % (bytes([d]).lower(), bytes([d]).upper()) if chr(d).isalpha() else bytes([d])
                          for d in b"%02x" % byte)
        return b"(?:%s|#%s)" % (re.escape(bytes([byte])), digits)
    return re.compile(rb"/(" + b"|".join(b"".join(letter(byte) for byte in name) for name in names) + rb")"
                      + DELIMITER)


# Long enough never to occur by chance in binary data: looked for in every byte of the file, streams included.
LONG_NAMES = _spelt(*(name for name in ACTIVE if len(name) >= 5))
ANY_NAME = _spelt(*ACTIVE)
OBJECT_STREAM = _spelt(b"ObjStm")
FLATE = _spelt(b"FlateDecode", b"Fl")
OTHER_FILTER = _spelt(b"LZWDecode", b"LZW", b"ASCII85Decode", b"A85", b"ASCIIHexDecode", b"AHx",
                      b"RunLengthDecode", b"RL", b"Crypt", b"DecodeParms", b"DP")


class Unreadable(Exception):
    """An object stream that cannot be looked into (an unusual filter, encrypted, or a bomb)."""


def active_content(pdf: bytes) -> set[str]:
    """The names of active content found (empty for a plain PDF). Raises Unreadable when part of the PDF's
    dictionaries cannot be looked into.

    Three looks: the long names in every byte (so that no trick with the stream keyword can hide a dictionary
    from us), all names outside streams (for the short /JS), and all names inside each object stream, inflated.
    Each object stream is found by its own /Type /ObjStm, not by walking the file in order."""
    found = _found(LONG_NAMES, pdf)
    for text in _outside_streams(pdf):
        found |= _found(ANY_NAME, text)
    budget = [MAX_INFLATED]
    for header, body in _object_streams(pdf):
        found |= _found(ANY_NAME, _inflate(header, body, budget))
    return found


def _found(pattern: re.Pattern, text: bytes) -> set[str]:
    return {ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1)).decode()
            for match in pattern.finditer(text)}


def _outside_streams(pdf: bytes):
    """The file's text with the bytes of its streams (page contents, images, fonts) left out."""
    position = 0
    while (found := STREAM.search(pdf, position)) is not None:
        yield pdf[position:found.end()]
        body_end = _stream_end(pdf, _header(pdf, found.start()), found.end())
        ended = END_STREAM.match(pdf, body_end)
        position = ended.end() if ended else body_end
    yield pdf[position:]


def _object_streams(pdf: bytes):
    """(header, packed bytes) of every stream whose dictionary says /Type /ObjStm."""
    for name in OBJECT_STREAM.finditer(pdf):
        found = STREAM.search(pdf, name.end())
        if found is not None:
            header = _header(pdf, found.start())
            yield header, pdf[found.end():_stream_end(pdf, header, found.end())]


def _header(pdf: bytes, stream_keyword: int) -> bytes:
    """The dictionary before a stream keyword: from its object's "obj", at most HEADER_AT_MOST bytes back."""
    start = max(0, stream_keyword - HEADER_AT_MOST)
    obj = pdf.rfind(b"obj", start, stream_keyword)
    return pdf[obj if obj >= 0 else start:stream_keyword]


def _stream_end(pdf: bytes, header: bytes, start: int) -> int:
    """The end of a stream's bytes: its direct /Length when that lands on "endstream", else that keyword."""
    length = DIRECT_LENGTH.search(header)
    if length and END_STREAM.match(pdf, start + int(length.group(1))):
        return start + int(length.group(1))
    keyword = pdf.find(b"endstream", start)
    return keyword if keyword >= 0 else len(pdf)


def _inflate(header: bytes, body: bytes, budget: list[int]) -> bytes:
    if OTHER_FILTER.search(header):
        raise Unreadable("object stream with an unusual filter")
    if not FLATE.search(header):
        return body
    inflater = zlib.decompressobj()
    try:
        text = inflater.decompress(body, budget[0] + 1)
    except zlib.error:
        raise Unreadable("object stream does not inflate") from None
    budget[0] -= len(text)
    if budget[0] < 0:
        raise Unreadable("object streams inflate to too much")
    return text
