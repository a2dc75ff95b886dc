"""How large an old .xls workbook is, measured before python-calamine reads it.

An .xls is a compound file (sectors chained by a FAT, a directory of streams) whose
"Workbook" stream holds BIFF records: the globals (the sheets' BOUNDSHEET records, the
shared-string table SST), then one substream per sheet (DIMENSIONS, one record a cell).
On opening, calamine parses **every** sheet of the workbook into memory at once:

- it reserves the sheet's declared DIMENSIONS (40 bytes a cell): a 6 KB file declaring
  1,048,576 x 16,384 asks for 640 GiB and aborts the process;
- it builds each sheet's rectangle from its first to its last cell (a cell at row 65,536
  column 65,536 of a 6 KB file: 128 GiB);
- it copies a shared string into every cell that refers to it;
- it follows the compound file's chains without looking for loops, and sizes some
  buffers by the counts the header declares.

So this reads the container strictly (every chain bounded, no loops, every count and size
within the file) and walks the records of every sheet, refusing with the .xlsx messages
(sheets.limits) what is past the row or column limit, declared or real, and what would
make the workbook's cells or repeated texts larger than ``RELIEF_SHEET_MAX_UNPACKED_BYTES``.
Memory: the stream (at most the file's size) and one length per shared string.
"""

from __future__ import annotations

import struct
from collections import Counter
from collections.abc import Iterator

from django.utils.translation import gettext as _

from sheets.errors import SheetFileError, SheetTooLarge
from sheets.limits import (
    TITLE_ROWS,
    SheetLimits,
    _declared_too_large,
    _repeats_too_much,
    _too_far,
    column_letters,
    size_text,
)

SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
ENDOFCHAIN = 0xFFFFFFFE
FREESECT = 0xFFFFFFFF
MINI_SECTOR = 64
MINI_CUTOFF = 4096  # calamine's: a stream below it is read from the mini stream
# What calamine holds for one cell: 40 bytes while it reads a sheet (position and value),
# 32 in the sheet's rectangle (measured: the declared 1,048,576 x 16,384 asked for
# 687,194,767,360 bytes).
CELL_BYTES = 40

_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_RECORD = struct.Struct("<HH")
_CELL = struct.Struct("<HH")

EOF, BOUNDSHEET, SST, CONTINUE, DIMENSIONS, LABELSST, MULRK = (
    0x000A,
    0x0085,
    0x00FC,
    0x003C,
    0x0200,
    0x00FD,
    0x00BD,
)
# The cell records calamine places (NUMBER, LABEL, BOOLERR, RK, LABELSST, FORMULA); it
# skips BLANK and MULBLANK, and the STRING after a FORMULA takes the formula's place.
CELLS = frozenset({0x0203, 0x0204, 0x0205, 0x027E, LABELSST, 0x0006})


def unreadable_xls() -> SheetFileError:
    return SheetFileError(
        _("Cannot read the file as an .xls workbook: save it again in Excel, or as .xlsx.")
    )


def _cells_too_large(limits: SheetLimits) -> SheetTooLarge:
    return SheetTooLarge(
        _(
            "The workbook's sheets together need more than %(limit)s for their cells, the "
            "limit: delete the sheets other than the first, or split the file."
        )
        % {"limit": size_text(limits.unpacked_bytes)}
    )


# --- the compound file ------------------------------------------------------------------


class _Container:
    """The sectors and FAT of a compound file, read strictly."""

    def __init__(self, data: bytes) -> None:
        if len(data) < 512 or not data.startswith(SIGNATURE):
            raise unreadable_xls()
        shift, mini_shift = _U16.unpack_from(data, 30)[0], _U16.unpack_from(data, 32)[0]
        if shift not in (9, 12) or mini_shift != 6:
            raise unreadable_xls()
        self.data = data
        self.size = 1 << shift
        self.version = _U16.unpack_from(data, 26)[0]
        self.count = max(0, -(-(len(data) - self.size) // self.size))  # after the header
        (
            directory_sectors,
            fat_sectors,
            self.directory_start,
            _transaction,
            _cutoff,
            self.minifat_start,
            minifat_sectors,
            difat_start,
            difat_sectors,
        ) = struct.unpack_from("<9I", data, 40)
        # calamine sizes buffers by these counts: none may be more than the file holds
        if max(directory_sectors, fat_sectors, minifat_sectors, difat_sectors) > self.count:
            raise unreadable_xls()
        self.directory_bytes = directory_sectors * self.size
        self.minifat_bytes = minifat_sectors * self.size
        ids = list(struct.unpack_from("<109I", data, 76))
        seen: set[int] = set()
        sector = difat_start
        per_sector = self.size // 4
        while sector not in (FREESECT, ENDOFCHAIN):  # the DIFAT's own chain
            if sector in seen or sector >= self.count:
                raise unreadable_xls()
            seen.add(sector)
            entries = struct.unpack_from(f"<{per_sector}I", self.sector(sector))
            ids.extend(entries[:-1])
            sector = entries[-1]
        fat: list[int] = []
        for sector in ids:
            if sector == FREESECT:
                continue
            if sector >= self.count:
                raise unreadable_xls()
            fat.extend(struct.unpack_from(f"<{per_sector}I", self.sector(sector)))
        self.fat = fat

    def sector(self, number: int) -> bytes:
        start = self.size + number * self.size
        piece = self.data[start : start + self.size]
        return piece.ljust(self.size, b"\x00")

    def chain(self, start: int, table: list[int], limit: int) -> Iterator[int]:
        """The sector numbers of a chain: each in range, none twice, at most ``limit``."""
        seen: set[int] = set()
        sector = start
        while sector != ENDOFCHAIN:
            if sector in seen or sector >= len(table) or sector >= limit:
                raise unreadable_xls()
            seen.add(sector)
            yield sector
            sector = table[sector]

    def stream(self, start: int) -> bytes:
        return b"".join(self.sector(n) for n in self.chain(start, self.fat, self.count))


def _entries(container: _Container) -> list[tuple[str, int, int]]:
    """The directory's entries as (name, first sector, size)."""
    directory = container.stream(container.directory_start)
    if container.directory_bytes and len(directory) > container.directory_bytes:
        raise unreadable_xls()
    entries = []
    for offset in range(0, len(directory) - 127, 128):
        raw = directory[offset : offset + 64].decode("utf-16-le", "ignore")
        name = raw.split("\x00", 1)[0]
        start = _U32.unpack_from(directory, offset + 116)[0]
        if container.size == 512:
            size = _U32.unpack_from(directory, offset + 120)[0]
        else:
            size = struct.unpack_from("<Q", directory, offset + 120)[0]
        entries.append((name, start, size))
    if not entries:
        raise unreadable_xls()
    return entries


def workbook_stream(data: bytes) -> bytes:
    """The "Workbook" (or BIFF5 "Book") stream, read as calamine reads it."""
    container = _Container(data)
    entries = _entries(container)
    limit = len(data)
    _root, root_start, root_size = entries[0]
    if root_size > limit:
        raise unreadable_xls()
    mini_stream = container.stream(root_start) if root_start != ENDOFCHAIN else b""
    if container.minifat_start != ENDOFCHAIN:
        minifat_bytes = container.stream(container.minifat_start)
        minifat = list(struct.unpack(f"<{len(minifat_bytes) // 4}I", minifat_bytes))
    else:
        minifat = []
    for wanted in ("Workbook", "Book"):
        found = next((entry for entry in entries if entry[0] == wanted), None)
        if found is None:
            continue
        _name, start, size = found
        if size > limit:
            raise unreadable_xls()
        if size < MINI_CUTOFF:
            count = len(mini_stream) // MINI_SECTOR
            stream = b"".join(
                mini_stream[n * MINI_SECTOR : (n + 1) * MINI_SECTOR]
                for n in container.chain(start, minifat, count)
            )
        else:
            stream = container.stream(start)
        return stream[:size]
    raise unreadable_xls()


# --- the BIFF records ---------------------------------------------------------------


def _records(stream: bytes, start: int) -> Iterator[tuple[int, int, int]]:
    """(type, offset of its data, length) from ``start`` to the EOF record."""
    position, end = start, len(stream)
    unpack = _RECORD.unpack_from
    while position + 4 <= end:
        kind, length = unpack(stream, position)
        if position + 4 + length > end:
            raise unreadable_xls()
        yield kind, position + 4, length
        if kind == EOF:
            return
        position += 4 + length
    if position != end:
        raise unreadable_xls()


class _Pieces:
    """An SST record and its CONTINUE records, read as calamine reads them: a string's
    header never crosses into the next record, its characters may (with a flags byte)."""

    def __init__(self, stream: bytes, pieces: list[tuple[int, int]]) -> None:
        self.stream = stream
        self.pieces = pieces
        self.index = 0
        self.position, self.end = pieces[0][0], pieces[0][0] + pieces[0][1]

    def left(self) -> int:
        return self.end - self.position

    def next_piece(self) -> bool:
        self.index += 1
        if self.index >= len(self.pieces):
            return False
        offset, length = self.pieces[self.index]
        self.position, self.end = offset, offset + length
        return True

    def take(self, size: int) -> bytes:
        if self.left() < size:
            raise unreadable_xls()
        data = self.stream[self.position : self.position + size]
        self.position += size
        return data

    def skip(self, size: int) -> None:
        while size > 0:
            if self.left() == 0 and not self.next_piece():
                raise unreadable_xls()
            step = min(size, self.left())
            self.position += step
            size -= step


def _shared_string_lengths(stream: bytes, pieces: list[tuple[int, int]]) -> list[int]:
    """An upper bound of each shared string's UTF-8 length (3 bytes a UTF-16 unit, 2 a
    one-byte character), without decoding them."""
    offset, length = pieces[0]
    if length < 8:
        raise unreadable_xls()
    unique = struct.unpack_from("<i", stream, offset + 4)[0]
    # each string takes 3 bytes at least: a count that cannot be there is a lie that
    # calamine would reserve memory for
    if unique < 0 or unique * 3 > sum(size for _start, size in pieces):
        raise unreadable_xls()
    reader = _Pieces(stream, pieces)
    reader.take(8)
    lengths = []
    for _index in range(unique):
        if reader.left() == 0 and not reader.next_piece():
            break  # calamine stops there with an error of its own
        count, flags = struct.unpack("<HB", reader.take(3))
        runs = _U16.unpack(reader.take(2))[0] if flags & 0x8 else 0
        extra = _U32.unpack(reader.take(4))[0] if flags & 0x4 else 0
        wide, left = flags & 0x1, count
        utf8 = 0
        while left:
            if reader.left() == 0:
                if not reader.next_piece():
                    raise unreadable_xls()
                wide = reader.take(1)[0] & 0x1
                continue
            width = 2 if wide else 1
            step = min(left, reader.left() // width)
            if step == 0:
                raise unreadable_xls()
            reader.position += step * width
            utf8 += step * (3 if wide else 2)
            left -= step
        reader.skip(4 * runs + extra)
        lengths.append(utf8)
    return lengths


def _declared_range(first_row: int, last_row: int, first_column: int, last_column: int) -> str:
    """DIMENSIONS (0-based, the ends exclusive) as Excel names the range: A1:XFD1048576."""
    return (
        f"{column_letters(first_column + 1)}{first_row + 1}:"
        f"{column_letters(max(last_column, 1))}{max(last_row, 1)}"
    )


def check_xls(data: bytes, limits: SheetLimits) -> None:
    """Refuse an .xls whose container is not sound, one of whose sheets declares or holds
    a cell past the row or column limit, or whose cells (rectangles and repeated shared
    strings) would take more memory than the budget; ``SheetFileError`` for what calamine
    could not read safely."""
    stream = workbook_stream(data)
    max_row = limits.rows + TITLE_ROWS + 1
    sheets: list[int] = []
    sst: list[tuple[int, int]] = []
    records = list(_records(stream, 0))
    for number, (kind, offset, length) in enumerate(records):
        if kind == BOUNDSHEET:
            if length < 8:
                raise unreadable_xls()
            position = _U32.unpack_from(stream, offset)[0]
            if position >= len(stream):
                raise unreadable_xls()
            sheets.append(position)
        elif kind == SST:
            sst = [(offset, length)]
            for following in records[number + 1 :]:
                if following[0] != CONTINUE:
                    break
                sst.append((following[1], following[2]))
    del records
    lengths = _shared_string_lengths(stream, sst) if sst else []
    references: Counter[int] = Counter()
    cells_total = 0
    unpack_cell = _CELL.unpack_from
    for start in sheets:
        declared = 0
        last_row = last_column = -1
        for kind, offset, length in _records(stream, start):
            if kind in CELLS or kind == MULRK:
                if length < 6:
                    raise unreadable_xls()
                row, column = unpack_cell(stream, offset)
                if kind == MULRK:
                    column = max(column, _U16.unpack_from(stream, offset + length - 2)[0])
                elif kind == LABELSST:
                    if length < 10:
                        raise unreadable_xls()
                    references[_U32.unpack_from(stream, offset + 6)[0]] += 1
                if row >= max_row or column >= limits.columns:
                    raise _too_far(row + 1, column + 1, limits)
                if row > last_row:
                    last_row = row
                if column > last_column:
                    last_column = column
            elif kind == DIMENSIONS:
                if length == 14:
                    first_row, end_row, first_column, end_column = struct.unpack_from(
                        "<IIHH", stream, offset
                    )
                elif length == 10:
                    first_row, end_row, first_column, end_column = struct.unpack_from(
                        "<HHHH", stream, offset
                    )
                else:
                    raise unreadable_xls()
                if end_row > max_row or end_column > limits.columns:
                    raise _declared_too_large(
                        _declared_range(first_row, end_row, first_column, end_column), limits
                    )
                if (end_row and first_row >= end_row) or (
                    end_column and first_column >= end_column
                ):
                    raise unreadable_xls()  # calamine's subtraction would underflow
                declared = max(end_row - first_row, 1) * max(end_column - first_column, 1)
        cells_total += max(declared, (last_row + 1) * (last_column + 1))
        if cells_total * CELL_BYTES > limits.unpacked_bytes:
            raise _cells_too_large(limits)
    text = sum(
        lengths[index] * count for index, count in references.items() if index < len(lengths)
    )
    if text > limits.unpacked_bytes:
        raise _repeats_too_much(limits)
