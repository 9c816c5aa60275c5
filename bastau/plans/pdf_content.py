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
MAX_ESCAPED_NAMES = 10_000  # fonts' names hold a few (/Arial#20Bold); thousands are a file made to keep us busy
MAX_STREAMS = 50_000  # a 300-page scanned plan has about a thousand; far more is a file made to keep us busy
ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
STREAM = re.compile(rb"\bstream(?:\r\n|\n|\r)")
END_STREAM = re.compile(rb"(?:\r\n|\n|\r)?endstream")
DIRECT_LENGTH = re.compile(rb"/Length\s+(\d+)(?!\s+\d+\s+R)")
NOT_IN_A_NAME = rb"\x00\t\n\f\r ()<>\[\]{}/%"
DELIMITER = rb"(?=[" + NOT_IN_A_NAME + rb"]|\Z)"
ESCAPED_NAME = re.compile(rb"/([^" + NOT_IN_A_NAME + rb"]*#[0-9A-Fa-f]{2}[^" + NOT_IN_A_NAME + rb"]*)")
LONGEST_SPELT = 3 * max(len(name) for name in ACTIVE + (b"FlateDecode", b"RunLengthDecode"))  # every letter #xx


class Unreadable(Exception):
    """Part of the PDF cannot be looked into (an unusual filter, encryption, a bomb, a file made to keep us busy)."""


class Names:
    """/Name as a PDF may spell it: as itself, or with letters as #xx (/J#61vaScript is /JavaScript). Each name
    is searched as a literal (at the speed of bytes.find); only names holding a # are decoded one by one, and a
    file with more of those than any document has is not looked into further."""

    def __init__(self, *names: bytes):
        self.names = frozenset(names)
        self.literal = [(name, re.compile(re.escape(b"/" + name) + DELIMITER)) for name in names]

    def found(self, text: bytes) -> set[str]:
        found = {name.decode() for name, pattern in self.literal if pattern.search(text)}
        return found | {name.decode() for name, _end in _escaped(text) if name in self.names}

    def ends(self, text: bytes) -> list[int]:
        """Where each occurrence of these names ends, in order."""
        ends = [match.end() for _name, pattern in self.literal for match in pattern.finditer(text)]
        return sorted(ends + [end for name, end in _escaped(text) if name in self.names])


def _escaped(text: bytes) -> list[tuple[bytes, int]]:
    """(decoded name, where it ends) of each name spelt with #xx."""
    names = []
    for match in ESCAPED_NAME.finditer(text):
        if len(match.group(1)) > LONGEST_SPELT:
            continue  # too long to spell any name we look for, even with every letter as #xx
        if len(names) == MAX_ESCAPED_NAMES:
            raise Unreadable("too many names spelt with #xx")
        names.append((ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1)), match.end()))
    return names


# Long enough never to occur by chance in binary data: looked for in every byte of the file, streams included.
LONG_NAMES = Names(*(name for name in ACTIVE if len(name) >= 5))
SHORT_NAMES = Names(*(name for name in ACTIVE if len(name) < 5))
ANY_NAME = Names(*ACTIVE)
OBJECT_STREAM = Names(b"ObjStm")
FLATE = Names(b"FlateDecode", b"Fl")
OTHER_FILTER = Names(b"LZWDecode", b"LZW", b"ASCII85Decode", b"A85", b"ASCIIHexDecode", b"AHx", b"RunLengthDecode",
                     b"RL", b"Crypt", b"DecodeParms", b"DP")


def active_content(pdf: bytes) -> set[str]:
    """The names of active content found (empty for a plain PDF). Raises Unreadable when part of the PDF's
    dictionaries cannot be looked into.

    Three looks: the long names in every byte (so that no trick with the stream keyword can hide a dictionary
    from us), all names outside streams (for the short /JS), and all names inside each object stream, inflated.
    Each object stream is found by its own /Type /ObjStm, not by walking the file in order."""
    found = LONG_NAMES.found(pdf)
    for text in _outside_streams(pdf):
        found |= SHORT_NAMES.found(text)
    budget = [MAX_INFLATED]
    for header, body in _object_streams(pdf):
        found |= ANY_NAME.found(_inflate(header, body, budget))
    return found


def _outside_streams(pdf: bytes):
    """The file's text with the bytes of its streams (page contents, images, fonts) left out."""
    position, count = 0, 0
    while (found := STREAM.search(pdf, position)) is not None:
        count += 1
        if count > MAX_STREAMS:
            raise Unreadable("too many streams")
        yield pdf[position:found.end()]
        body_end = _stream_end(pdf, _header(pdf, found.start()), found.end())
        ended = END_STREAM.match(pdf, body_end)
        position = ended.end() if ended else body_end
    yield pdf[position:]


def _object_streams(pdf: bytes):
    """(header, packed bytes) of every stream whose dictionary says /Type /ObjStm."""
    taken = -1
    ends = OBJECT_STREAM.ends(pdf)
    if len(ends) > MAX_STREAMS:
        raise Unreadable("too many object streams")
    for name_end in ends:
        if name_end <= taken:
            continue  # another /ObjStm before the stream keyword last taken: the same stream
        found = STREAM.search(pdf, name_end)
        if found is None:
            return
        taken = found.start()
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
    if OTHER_FILTER.found(header):
        raise Unreadable("object stream with an unusual filter")
    if not FLATE.found(header):
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
