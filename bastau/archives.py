"""What a zip archive (DOCX, ODT, XLSX) really unpacks to: measured by unpacking it, never by what it declares.

A zip states each entry's sizes twice (local header, central directory), and a hostile file states small ones
over a stream that inflates to a gigabyte. Python's zipfile believes them: it stops reading an entry at its
declared size, so it never sees the rest, while Word, LibreOffice or Excel on a staff PC inflate the whole
stream. So every entry here is inflated from its own local header to the end of its own deflate stream, in
chunks, counting the bytes and stopping at the cap; nothing is kept but the count. An entry whose real size,
compressed size or checksum differs from what it declares is a damaged (or lying) file. Entries that overlap
(one stream named by many entries, the "overlapping zip bomb") are each counted in full, so they reach the cap
too. No Flask in here: the callers turn the two refusals into their own words.
"""
from __future__ import annotations

import struct
import zipfile
import zlib
from typing import BinaryIO

CHUNK = 64 * 1024
LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, …, name length, extra length (30 bytes)
LOCAL_SIGNATURE = b"PK\x03\x04"
ENCRYPTED = 0x1
UTF8_NAME = 0x800


class ArchiveDamaged(Exception):
    """Not a zip we can read to its end, or one that lies about its entries."""


class ArchiveTooLarge(Exception):
    """More entries than allowed, or the entries really unpack to more bytes than allowed."""


def unpacked_sizes(data: BinaryIO, max_entries: int, max_total: int) -> dict[str, int]:
    """{entry name: bytes it really unpacks to}. Raises ArchiveTooLarge past `max_entries` or once the inflated
    bytes of all entries together pass `max_total` (reading stops there), ArchiveDamaged for anything that does
    not add up. `data` is left at its start."""
    try:
        data.seek(0, 2)
        length = data.tell()
        with zipfile.ZipFile(data) as archive:
            entries = archive.infolist()
        if len(entries) > max_entries:
            raise ArchiveTooLarge(f"{len(entries)} entries")
        sizes: dict[str, int] = {}
        budget = max_total
        for entry in entries:
            size = _unpacked_size(data, length, entry, budget)
            budget -= size
            sizes[entry.filename] = size
        return sizes
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, OSError,
            ValueError, struct.error, zlib.error) as error:
        raise ArchiveDamaged(str(error)) from None
    finally:
        data.seek(0)


def _unpacked_size(data: BinaryIO, length: int, entry: zipfile.ZipInfo, budget: int) -> int:
    if entry.flag_bits & ENCRYPTED:
        raise ArchiveDamaged(f"{entry.filename}: encrypted")
    start = _data_start(data, entry)
    if entry.compress_type == zipfile.ZIP_STORED:
        if entry.compress_size != entry.file_size or start + entry.file_size > length:
            raise ArchiveDamaged(f"{entry.filename}: stored sizes do not add up")
        if entry.file_size > budget:
            raise ArchiveTooLarge(entry.filename)
        return _check_stored(data, start, entry)
    if entry.compress_type != zipfile.ZIP_DEFLATED:  # Word, LibreOffice and Excel write only these two
        raise ArchiveDamaged(f"{entry.filename}: compression {entry.compress_type}")
    return _inflate(data, length, start, entry, budget)


def _data_start(data: BinaryIO, entry: zipfile.ZipInfo) -> int:
    """Where the entry's bytes begin: after its local header, whose name must be the central directory's."""
    data.seek(entry.header_offset)
    header = data.read(LOCAL_HEADER.size)
    signature, name_length, extra_length = LOCAL_HEADER.unpack(header)
    if signature != LOCAL_SIGNATURE:
        raise ArchiveDamaged(f"{entry.filename}: no local header")
    name = data.read(name_length)
    if name != entry.orig_filename.encode("utf-8" if entry.flag_bits & UTF8_NAME else "cp437"):
        raise ArchiveDamaged(f"{entry.filename}: local name differs")
    return entry.header_offset + LOCAL_HEADER.size + name_length + extra_length


def _check_stored(data: BinaryIO, start: int, entry: zipfile.ZipInfo) -> int:
    data.seek(start)
    left, crc = entry.file_size, 0
    while left:
        chunk = data.read(min(CHUNK, left))
        if not chunk:
            raise ArchiveDamaged(f"{entry.filename}: cut short")
        crc = zlib.crc32(chunk, crc)
        left -= len(chunk)
    if crc != entry.CRC:
        raise ArchiveDamaged(f"{entry.filename}: checksum")
    return entry.file_size


def _inflate(data: BinaryIO, length: int, start: int, entry: zipfile.ZipInfo, budget: int) -> int:
    """Inflate the raw deflate stream to its own end (whatever sizes are declared), at most budget + 1 bytes."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    data.seek(start)
    produced, consumed, crc = 0, 0, 0
    while not inflater.eof:
        chunk = data.read(max(0, min(CHUNK, length - start - consumed)))
        if not chunk:
            raise ArchiveDamaged(f"{entry.filename}: cut short")
        consumed += len(chunk)
        while chunk:
            out = inflater.decompress(chunk, CHUNK)
            produced += len(out)
            if produced > budget:
                raise ArchiveTooLarge(entry.filename)
            crc = zlib.crc32(out, crc)
            chunk = inflater.unconsumed_tail
            if inflater.eof:
                break
    consumed -= len(inflater.unused_data)
    if produced != entry.file_size or consumed != entry.compress_size or crc != entry.CRC:
        raise ArchiveDamaged(f"{entry.filename}: declares {entry.file_size} bytes, unpacks to {produced}")
    return produced
