"""Old Excel .xls (BIFF8 in a compound file) written for the tests, as Excel 97-2003
saves them: a workbook stream with its globals (BOF, code page, XF records, the sheets'
BOUNDSHEET records, the shared strings) and one substream per sheet (BOF, DIMENSIONS,
cells, EOF), in a compound file of 512-byte sectors. No xls writer is installed
(xlwt is not in the venv); this writes only what calamine and sheets.xls read.

Texts go to the shared-string table (LABELSST, as Excel writes them) or inline (LABEL);
numbers as NUMBER; dates as NUMBER with the built-in date format 14 (yyyy-mm-dd).
"""

from __future__ import annotations

import datetime
import struct
from collections.abc import Sequence
from typing import Any

ENDOFCHAIN = 0xFFFFFFFE
FREESECT = 0xFFFFFFFF
FATSECT = 0xFFFFFFFD
DIFSECT = 0xFFFFFFFC
NOSTREAM = 0xFFFFFFFF
SECTOR = 512
EXCEL_EPOCH = datetime.date(1899, 12, 30)

XF_GENERAL, XF_DATE = 0, 1


def record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _unicode(text: str, length_bytes: int = 2) -> bytes:
    """XLUnicodeString: the character count, the flags (1: UTF-16), the characters."""
    count = struct.pack("<H" if length_bytes == 2 else "<B", len(text))
    return count + b"\x01" + text.encode("utf-16-le")


def _bof(kind: int) -> bytes:  # 0x0005 globals, 0x0010 worksheet
    return record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x06))


def _boundsheet(offset: int, name: str) -> bytes:
    return record(0x0085, struct.pack("<IBB", offset, 0, 0) + _unicode(name, 1))


def sst_record(strings: Sequence[str], total: int | None = None) -> bytes:
    """The shared strings; a table past one record's 8,224 bytes goes on in CONTINUE
    records, a string cut between two records restarting with its flags byte."""
    head = struct.pack("<II", total if total is not None else len(strings), len(strings))
    pieces: list[bytes] = []
    current = bytearray(head)
    for text in strings:
        header = struct.pack("<HB", len(text), 1)
        if len(current) + len(header) + 2 > 8224:  # a string's header is never cut
            pieces.append(bytes(current))
            current = bytearray()
        current += header
        body = text.encode("utf-16-le")
        while body:
            room = (8224 - len(current)) // 2 * 2
            if room <= 0:
                pieces.append(bytes(current))
                current = bytearray(b"\x01")  # the cut string goes on in UTF-16
                continue
            current += body[:room]
            body = body[room:]
    pieces.append(bytes(current))
    return record(0x00FC, pieces[0]) + b"".join(record(0x003C, piece) for piece in pieces[1:])


def _cells(rows: Sequence[Sequence[Any]], strings: list[str], inline: bool) -> bytes:
    index: dict[str, int] = {s: i for i, s in enumerate(strings)}
    out = bytearray()
    for r, cells in enumerate(rows):
        for c, value in enumerate(cells):
            if value is None or value == "":
                continue
            if isinstance(value, datetime.date):
                days = float((value - EXCEL_EPOCH).days)
                out += record(0x0203, struct.pack("<HHHd", r, c, XF_DATE, days))
            elif isinstance(value, bool):
                out += record(0x0205, struct.pack("<HHHBB", r, c, XF_GENERAL, int(value), 0))
            elif isinstance(value, int | float):
                out += record(0x0203, struct.pack("<HHHd", r, c, XF_GENERAL, float(value)))
            elif inline:
                out += record(0x0204, struct.pack("<HHH", r, c, XF_GENERAL) + _unicode(str(value)))
            else:
                text = str(value)
                if text not in index:
                    index[text] = len(strings)
                    strings.append(text)
                out += record(0x00FD, struct.pack("<HHHI", r, c, XF_GENERAL, index[text]))
    return bytes(out)


def workbook_stream(
    sheets: Sequence[Sequence[Sequence[Any]]],
    *,
    dimensions: Sequence[tuple[int, int] | None] | None = None,
    extra_cells: Sequence[bytes] | None = None,
    inline: bool = False,
    sst: bytes | None = None,
) -> bytes:
    """The BIFF8 workbook stream of ``sheets`` (each a list of rows of cells).

    ``dimensions`` gives each sheet's declared DIMENSIONS (last row, last column, 0-based
    and exclusive as Excel writes them; default: the cells' own), ``extra_cells`` raw
    records added to each sheet, ``sst`` a raw SST record in place of the real one."""
    strings: list[str] = []
    bodies = [_cells(rows, strings, inline) for rows in sheets]
    globals_head = (
        _bof(0x0005)
        + record(0x0042, struct.pack("<H", 1200))  # CODEPAGE: UTF-16
        + record(0x00E0, struct.pack("<HHH", 0, 0, 0) + b"\x00" * 14)  # XF 0: General
        + record(0x00E0, struct.pack("<HHH", 0, 14, 0) + b"\x00" * 14)  # XF 1: date
    )
    names = [f"Sheet{n + 1}" for n in range(len(sheets))]
    boundsheet_size = [len(_boundsheet(0, name)) for name in names]
    sst_bytes = sst if sst is not None else (sst_record(strings) if strings else b"")
    globals_size = len(globals_head) + sum(boundsheet_size) + len(sst_bytes) + 4
    substreams = []
    for number, rows in enumerate(sheets):
        declared = (dimensions or [None] * len(sheets))[number]
        if declared is None:
            declared = (len(rows), max((len(r) for r in rows), default=0))
        extra = (extra_cells or [b""] * len(sheets))[number]
        substreams.append(
            _bof(0x0010)
            + record(0x0200, struct.pack("<IIHHH", 0, declared[0], 0, declared[1], 0))
            + bodies[number]
            + extra
            + record(0x000A)
        )
    offset = globals_size
    boundsheets = b""
    for name, substream in zip(names, substreams, strict=True):
        boundsheets += _boundsheet(offset, name)
        offset += len(substream)
    stream = globals_head + boundsheets + sst_bytes + record(0x000A) + b"".join(substreams)
    return stream


def compound_file(stream: bytes, name: str = "Workbook") -> bytes:
    """``stream`` in a version 3 compound file of 512-byte sectors (padded to the 4,096
    bytes below which a stream would go to the mini stream, as Excel's always are)."""
    stream = stream + b"\x00" * max(0, 4096 - len(stream))
    stream_sectors = -(-len(stream) // SECTOR)
    # FAT sectors hold 128 entries each (for themselves, the DIFAT sectors, the directory
    # and the stream); past the header's 109 FAT sector numbers, DIFAT sectors hold 127
    # more each and the number of the next.
    fat_sectors = difat_sectors = 1
    while True:
        difat_sectors = max(0, -(-(fat_sectors - 109) // 127))
        if fat_sectors * 128 >= fat_sectors + difat_sectors + 1 + stream_sectors:
            break
        fat_sectors += 1
    difat_start = fat_sectors
    directory = fat_sectors + difat_sectors
    first = directory + 1
    fat = [FATSECT] * fat_sectors + [DIFSECT] * difat_sectors + [ENDOFCHAIN]
    fat += [first + n + 1 for n in range(stream_sectors - 1)] + [ENDOFCHAIN]
    fat += [FREESECT] * (fat_sectors * 128 - len(fat))
    ids = list(range(fat_sectors))
    difat = ids[:109] + [FREESECT] * (109 - len(ids[:109]))
    difat_body = b""
    rest = ids[109:]
    for number in range(difat_sectors):
        chunk = rest[number * 127 : (number + 1) * 127]
        following = difat_start + number + 1 if number + 1 < difat_sectors else ENDOFCHAIN
        chunk = chunk + [FREESECT] * (127 - len(chunk)) + [following]
        difat_body += struct.pack("<128I", *chunk)
    header = (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\x00" * 6
        + struct.pack(
            "<IIIIIIIII",
            0,
            fat_sectors,
            directory,
            0,
            4096,
            ENDOFCHAIN,
            0,
            difat_start if difat_sectors else ENDOFCHAIN,
            difat_sectors,
        )
        + struct.pack("<109I", *difat)
    )

    def entry(entry_name: str, kind: int, child: int, start: int, size: int) -> bytes:
        encoded = (entry_name + "\x00").encode("utf-16-le") if entry_name else b""
        return (
            encoded.ljust(64, b"\x00")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", NOSTREAM, NOSTREAM, child)
            + b"\x00" * 16
            + struct.pack("<I", 0)
            + b"\x00" * 16
            + struct.pack("<III", start, size, 0)
        )

    directory_sector = (
        entry("Root Entry", 5, 1, ENDOFCHAIN, 0)
        + entry(name, 2, NOSTREAM, first, len(stream))
        + entry("", 0, NOSTREAM, 0, 0) * 2
    )
    body = struct.pack(f"<{len(fat)}I", *fat) + difat_body + directory_sector + stream
    body += b"\x00" * (-len(body) % SECTOR)
    return header + body


def xls_bytes(
    rows: Sequence[Sequence[Any]] | None = None,
    *,
    sheets: Sequence[Sequence[Sequence[Any]]] | None = None,
    **options: Any,
) -> bytes:
    """An .xls workbook of one sheet of ``rows`` (or of several ``sheets``)."""
    return compound_file(
        workbook_stream(sheets if sheets is not None else [rows or []], **options)
    )


def case_xls(rows: Sequence[dict[str, Any]], headers: Sequence[str]) -> bytes:
    """A case sheet (tests.sheets.helpers.case_row dicts) as an .xls workbook."""
    return xls_bytes([list(headers), *[[row.get(h) for h in headers] for row in rows]])
