"""How large a sheet may be, checked before it is read (README "Limits", PRIVACY.md "Files").

The limits are settings (``RELIEF_SHEET_MAX_*``) and hold the same for the admin and for
``importsheet``. Each is checked before the part that is too large reaches memory:

- the file's bytes (the upload handler stops writing past the limit; the CLI looks at the
  file's size before reading it);
- an .xlsx: the zip's parts, really unpacked (not their declared sizes) against a budget,
  and the first sheet's extent, streamed, before python-calamine is asked for it:
  calamine builds the whole rectangle from A1 to the last cell in memory (32 bytes a
  cell), so one cell at XFD1048576 asks for 512 GiB;
- rows below the header, counted while they are read (a .csv stops at the limit);
- one cell's length and control characters: refused per row as 第N行 列名: 原因 (NUL is
  stored by SQLite and refused by PostgreSQL only when the import writes).
"""

from __future__ import annotations

import io
import itertools
import re
import xml.parsers.expat
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

from django.conf import settings
from django.utils.translation import gettext as _

from sheets.errors import SheetError, SheetFileError, SheetTooLarge


@dataclass(frozen=True, slots=True)
class SheetLimits:
    upload_bytes: int
    rows: int
    columns: int
    cell_chars: int
    unpacked_bytes: int


def sheet_limits() -> SheetLimits:
    """The limits in force (read from settings on every call, so tests may change them)."""
    return SheetLimits(
        upload_bytes=settings.RELIEF_SHEET_MAX_UPLOAD_BYTES,
        rows=settings.RELIEF_SHEET_MAX_ROWS,
        columns=settings.RELIEF_SHEET_MAX_COLUMNS,
        cell_chars=settings.RELIEF_SHEET_MAX_CELL_CHARS,
        unpacked_bytes=settings.RELIEF_SHEET_MAX_UNPACKED_BYTES,
    )


def upload_limits() -> SheetLimits:
    """The limits an admin upload is received under: a job's when large sheets go to
    background jobs (``RELIEF_SHEET_JOBS``), else a request's. A file over a request's
    upload limit that is not a job's is refused by the preview's reader, naming it."""
    if getattr(settings, "RELIEF_SHEET_JOBS", None):
        return background_limits()
    return sheet_limits()


def background_limits() -> SheetLimits:
    """The limits of a sheet imported by a background job (``RELIEF_JOB_MAX_*``): more
    rows and a larger file than a request may hold, since the worker checks and writes a
    chunked sheet (``SheetResource.chunk_rows``) a chunk at a time; never less than the
    interactive limits. Columns, cells and what an .xlsx unpacks to stay as they are."""
    interactive = sheet_limits()
    return SheetLimits(
        upload_bytes=max(settings.RELIEF_JOB_MAX_UPLOAD_BYTES, interactive.upload_bytes),
        rows=max(settings.RELIEF_JOB_MAX_ROWS, interactive.rows),
        columns=interactive.columns,
        cell_chars=interactive.cell_chars,
        unpacked_bytes=interactive.unpacked_bytes,
    )


# Rows above the header an .xlsx may have (a title, notes) before its extent counts as
# over the row limit; the exact limit is on the rows below the header, while reading.
TITLE_ROWS = 10
# An .xlsx has a dozen parts; a zip of thousands is not a workbook (and Python's and
# calamine's zip readers both hold every entry of the directory in memory).
MAX_PARTS = 1000
# The workbook's own small parts (workbook.xml, its relationships) are read whole.
MAX_INDEX_PART_BYTES = 10 * 1024 * 1024
CHUNK = 1024 * 1024


def size_text(size: int) -> str:
    """50 MB, 1.5 MB, 300 KB: sizes as the limits are written (MiB, as nginx counts)."""
    mib = 1024 * 1024
    if size >= mib:
        return f"{size // mib} MB" if size % mib == 0 else f"{size / mib:.1f} MB"
    if size >= 1024:
        return f"{size // 1024} KB"
    return f"{size} B"


def column_letters(number: int) -> str:
    """1 -> A, 27 -> AA, 16384 -> XFD."""
    name = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        name = chr(65 + remainder) + name
    return name


def _column_number(letters: bytes | str) -> int:
    number = 0
    for letter in letters if isinstance(letters, str) else letters.decode("ascii"):
        number = number * 26 + ord(letter) - 64
    return number


# --- the messages (each names its limit) -----------------------------------------------


def file_too_large(size: int | None, limits: SheetLimits) -> SheetTooLarge:
    if size is None:
        return SheetTooLarge(
            _("The file is over the limit of %(limit)s: split it into smaller files.")
            % {"limit": size_text(limits.upload_bytes)}
        )
    return SheetTooLarge(
        _("The file is %(size)s, over the limit of %(limit)s: split it into smaller files.")
        % {"size": size_text(size), "limit": size_text(limits.upload_bytes)}
    )


def too_many_rows(limits: SheetLimits) -> SheetTooLarge:
    return SheetTooLarge(
        _(
            "The sheet has more than %(limit)s rows below its header, the limit: "
            "split it into smaller files."
        )
        % {"limit": f"{limits.rows:,}"}
    )


def _too_far(row: int, column: int, limits: SheetLimits) -> SheetTooLarge:
    if column > limits.columns:
        return SheetTooLarge(
            _(
                "The sheet has a cell in column %(column)s (column %(number)s), over the "
                "limit of %(limit)s columns: delete what is right of the sheet's columns."
            )
            % {
                "column": column_letters(column),
                "number": f"{column:,}",
                "limit": f"{limits.columns:,}",
            }
        )
    return SheetTooLarge(
        _(
            "The sheet has a cell in row %(row)s, over the limit of %(limit)s rows below "
            "its header: delete what is below the data, or split the file."
        )
        % {"row": f"{row:,}", "limit": f"{limits.rows:,}"}
    )


def _declared_too_large(ref: str, limits: SheetLimits) -> SheetTooLarge:
    return SheetTooLarge(
        _(
            "The sheet declares the range %(range)s, over the limits of %(rows)s rows and "
            "%(columns)s columns: copy the data into a new workbook and save that."
        )
        % {"range": ref, "rows": f"{limits.rows:,}", "columns": f"{limits.columns:,}"}
    )


def _unpacks_too_large(limits: SheetLimits) -> SheetTooLarge:
    return SheetTooLarge(
        _(
            "The workbook unpacks to more than %(limit)s, the limit: save it again in "
            "Excel, or split it into smaller files."
        )
        % {"limit": size_text(limits.unpacked_bytes)}
    )


def _repeats_too_much(limits: SheetLimits) -> SheetTooLarge:
    return SheetTooLarge(
        _(
            "The sheet's cells repeat its shared texts into more than %(limit)s, the "
            "limit: save it again in Excel, or split it into smaller files."
        )
        % {"limit": size_text(limits.unpacked_bytes)}
    )


def _unreadable_xlsx() -> SheetFileError:
    return SheetFileError(_("Cannot read the file: save it as an Excel .xlsx workbook."))


def cell_too_long_message(limits: SheetLimits) -> str:
    return _("Over the limit of %(limit)s characters in one cell: shorten it.") % {
        "limit": f"{limits.cell_chars:,}"
    }


def control_character_message(character: str) -> str:
    return _(
        "Contains a control character (%(code)s) that cannot be stored: delete it "
        "(in Excel: CLEAN())."
    ) % {"code": f"U+{ord(character):04X}"}


# --- cells ------------------------------------------------------------------------------

# C0 controls but tab, line feed and carriage return (Alt+Enter in a cell), DEL and the
# C1 controls: never typed, invisible, and NUL is refused by PostgreSQL.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class RefusedCell:
    """A cell the reader refused (too long, a control character): the pipeline reports
    ``reason`` as that row's error in that column and never parses or stores the value."""

    __slots__ = ("reason", "text")

    def __init__(self, reason: str, text: str) -> None:
        self.reason = reason
        self.text = text

    def __str__(self) -> str:
        # What a preview shows of the refused cell: short, and without the controls.
        shown = CONTROL_CHARACTERS.sub("\ufffd", self.text[:40])
        return shown + ("…" if len(self.text) > 40 else "")

    def __repr__(self) -> str:
        return f"RefusedCell({self.reason!r})"


def _refusal(text: str, limits: SheetLimits) -> str | None:
    if len(text) > limits.cell_chars:
        return cell_too_long_message(limits)
    control = CONTROL_CHARACTERS.search(text)
    if control:
        return control_character_message(control.group())
    return None


def checked_cells(cells: Sequence[Any], limits: SheetLimits) -> Sequence[Any]:
    """``cells``, or a copy with each refused text cell replaced by a ``RefusedCell``."""
    texts = [cell for cell in cells if cell.__class__ is str]
    if not texts:
        return cells
    joined = "".join(texts)  # one check per row for the usual, clean row
    if CONTROL_CHARACTERS.search(joined) is None and max(map(len, texts)) <= limits.cell_chars:
        return cells
    checked = list(cells)
    for index, cell in enumerate(checked):
        if cell.__class__ is str:
            reason = _refusal(cell, limits)
            if reason:
                checked[index] = RefusedCell(reason, cell)
    return checked


def _too_wide(row: int, cells: Sequence[Any], limits: SheetLimits) -> SheetTooLarge:
    return SheetTooLarge(
        str(
            SheetError(
                row,
                "",
                _(
                    "This row has %(count)s cells, over the limit of %(limit)s columns: "
                    "delete what is right of the sheet's columns."
                )
                % {"count": f"{len(cells):,}", "limit": f"{limits.columns:,}"},
            )
        )
    )


def _within_columns(row: int, cells: Sequence[Any], limits: SheetLimits) -> Sequence[Any]:
    """A .csv row cut to the column limit when only blanks lie beyond (Excel writes
    trailing commas); refused when something does."""
    if len(cells) <= limits.columns:
        return cells
    if any(not _blank(cell) for cell in cells[limits.columns :]):
        raise _too_wide(row, cells, limits)
    return cells[: limits.columns]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and (not value or value.isspace()))


def checked_header(cells: Sequence[Any], row: int, limits: SheetLimits) -> list[Any]:
    """The header row: a refused header cell refuses the file (no column to name)."""
    cells = _within_columns(row, cells, limits)
    for index, cell in enumerate(cells, 1):
        if cell.__class__ is str:
            reason = _refusal(cell, limits)
            if reason:
                raise SheetFileError(str(SheetError(row, f"{column_letters(index)}列", reason)))
    return list(cells)


def guarded_rows(
    rows: Iterable[tuple[int, Sequence[Any]]], header_row: int, limits: SheetLimits
) -> Iterator[tuple[int, Sequence[Any]]]:
    """The data rows with their cells checked; raises ``SheetTooLarge`` past the row limit."""
    last = header_row + limits.rows
    for number, cells in rows:
        if number > last:
            raise too_many_rows(limits)
        yield number, checked_cells(_within_columns(number, cells, limits), limits)


# --- .xlsx: the extent of the first sheet, streamed, before calamine reads it -------------


class _Budget:
    """Bytes really unpacked from the zip, against ``limits.unpacked_bytes``."""

    def __init__(self, limits: SheetLimits) -> None:
        self.limits = limits
        self.left = limits.unpacked_bytes

    def chunks(self, archive: zipfile.ZipFile, name: str) -> Iterator[bytes]:
        with archive.open(name) as part:
            while chunk := part.read(CHUNK):
                self.left -= len(chunk)
                if self.left < 0:
                    raise _unpacks_too_large(self.limits)
                yield chunk


def check_xlsx(data: bytes, limits: SheetLimits) -> None:
    """Refuse an .xlsx whose parts unpack past the budget, whose first sheet reaches past
    the row or column limit, or whose cells repeat shared strings into more text than the
    budget (calamine copies a shared string into every cell that refers to it: one long
    string in 200,000 cells is gigabytes); ``SheetFileError`` for what is not a workbook."""
    if data.count(b"PK\x01\x02") > MAX_PARTS:  # central directory entries, before parsing
        raise _unreadable_xlsx()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        if len(archive.infolist()) > MAX_PARTS:
            raise _unreadable_xlsx()
        budget = _Budget(limits)
        sheet_name, shared_names = _workbook_parts(archive)
        lengths = _shared_string_lengths(archive, shared_names, budget)
        for info in archive.infolist():
            if info.filename not in (sheet_name, *shared_names) and not info.is_dir():
                for _chunk in budget.chunks(archive, info.filename):
                    pass
        longest = max(lengths, default=0)
        references: Counter[int] | None = None
        try:
            bound = _scan_sheet(budget.chunks(archive, sheet_name), limits)
            if bound * longest > limits.unpacked_bytes:  # count them, then
                references = _count_shared(_Budget(limits).chunks(archive, sheet_name))
        except _NeedsParse:
            references = _parse_sheet(_Budget(limits).chunks(archive, sheet_name), limits)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, EOFError, OSError):
        raise _unreadable_xlsx()
    except (ElementTree.ParseError, xml.parsers.expat.ExpatError, ValueError):
        raise _unreadable_xlsx()
    if references is not None:
        text = sum(
            lengths[index] * count for index, count in references.items() if index < len(lengths)
        )
        if text > limits.unpacked_bytes:
            raise _repeats_too_much(limits)


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_STRICT = "{http://purl.oclc.org/ooxml/spreadsheetml/main}"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_STRICT_REL_ID = "{http://purl.oclc.org/ooxml/officeDocument/relationships}id"


def _small_part(archive: zipfile.ZipFile, name: str) -> bytes:
    with archive.open(name) as part:
        data = part.read(MAX_INDEX_PART_BYTES + 1)
    if len(data) > MAX_INDEX_PART_BYTES:
        raise _unreadable_xlsx()
    return data


def _part_name(target: str) -> str:
    """A relationship's target as a part name, "../" resolved (relative to xl/)."""
    name = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    parts: list[str] = []
    for piece in name.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece not in ("", "."):
            parts.append(piece)
    return "/".join(parts)


def _workbook_parts(archive: zipfile.ZipFile) -> tuple[str, tuple[str, ...]]:
    """The part calamine reads as sheet 0 (the first <sheet> of xl/workbook.xml) and
    every part that may hold its shared strings (the declared one, the usual name)."""
    workbook = ElementTree.fromstring(_small_part(archive, "xl/workbook.xml"))
    first = None
    for element in workbook.iter():
        if element.tag in (f"{_MAIN}sheet", f"{_STRICT}sheet"):
            first = element.get(_REL_ID) or element.get(_STRICT_REL_ID)
            break
    if first is None:
        raise _unreadable_xlsx()
    relations = ElementTree.fromstring(_small_part(archive, "xl/_rels/workbook.xml.rels"))
    sheet = None
    shared = {"xl/sharedStrings.xml"} & set(archive.namelist())
    for relation in relations:
        target = _part_name(relation.get("Target") or "")
        if relation.get("Id") == first:
            sheet = target
        elif (relation.get("Type") or "").endswith("/sharedStrings") and (
            target in archive.namelist()
        ):
            shared.add(target)
    if sheet is None:
        raise _unreadable_xlsx()
    return sheet, tuple(sorted(shared - {sheet}))


class _SharedStrings:
    """Collects the UTF-8 length of each <si> of a shared-strings part (all its text)."""

    def __init__(self) -> None:
        self.lengths: list[int] = []
        self.inside = False

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        if tag.rpartition(":")[2] == "si":
            self.lengths.append(0)
            self.inside = True

    def end(self, tag: str) -> None:
        if tag.rpartition(":")[2] == "si":
            self.inside = False

    def text(self, data: str) -> None:
        if self.inside:
            self.lengths[-1] += len(data.encode("utf-8", "surrogatepass"))


def _shared_string_lengths(
    archive: zipfile.ZipFile, names: Sequence[str], budget: _Budget
) -> list[int]:
    """The UTF-8 length of each shared string (the longest where two parts could hold
    them: calamine's choice of part is then irrelevant)."""
    lengths: list[int] = []
    for name in names:
        found = _SharedStrings()
        parser = xml.parsers.expat.ParserCreate()
        parser.StartElementHandler = found.start
        parser.EndElementHandler = found.end
        parser.CharacterDataHandler = found.text
        for chunk in budget.chunks(archive, name):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
        pairs = itertools.zip_longest(lengths, found.lengths, fillvalue=0)
        lengths = [max(pair) for pair in pairs]
    return lengths


_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
_DIMENSION = re.compile(rb"<" + _PREFIX + rb'dimension\b[^>]*?\bref="([^"]*)"')
_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")


def _at_most(limit: str, low: str, high: str) -> bytes:
    """A regular expression for the strings over ``low``-``high`` (digits or capital
    letters) that are no greater than ``limit`` in column or row order: fewer
    characters, or as many and no greater character by character."""
    shorter = (
        [rb"[%s-%s]{1,%d}" % (low.encode(), high.encode(), len(limit) - 1)]
        if len(limit) > 1
        else []
    )
    same = [limit.encode()]
    for index, character in enumerate(limit):
        if character > low:
            below = chr(ord(character) - 1)
            rest = len(limit) - index - 1
            same.append(
                limit[:index].encode()
                + rb"[%s-%s]" % (low.encode(), below.encode())
                + (rb"[%s-%s]{%d}" % (low.encode(), high.encode(), rest) if rest else b"")
            )
    return rb"(?:" + rb"|".join(shorter + same) + rb")"


def _extent_patterns(limits: SheetLimits) -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
    """A cell tag that needs a closer look: a <c> whose r="" does not come first or is
    not a reference inside the limits. An honest sheet has none, so the scan runs at
    the regular expression engine's speed."""
    columns = _at_most(column_letters(limits.columns), "A", "Z")
    rows = _at_most(str(limits.rows + TITLE_ROWS + 1), "0", "9")
    candidate = re.compile(rb'<c(?=[\s/>])(?!\s+r="' + columns + rows + rb'"[\s/>])')
    reference = re.compile(rb'\s+r="([A-Z]+)([0-9]+)"[^>]*?(/?)>')  # matched at the tag
    return candidate, reference


# A cell element written with a namespace prefix (<x:c>): the fast path does not look
# for those, the parser does.
_PREFIXED_CELL = re.compile(rb"<[A-Za-z_][\w.-]*:c[\s/>]")


class _NeedsParse(Exception):
    """The sheet's cells are not all written as <c r="A1" …>: position them by parsing."""


# A shared-string cell as every writer puts it (t="s", then its <v>index</v>).
_SHARED_CELL = re.compile(rb'\st="s"[^>]*>\s*<(?:[\w.-]+:)?v>\s*([0-9]+)\s*<')


def _pieces(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The XML in pieces cut after the last end of a row (or, in one huge row, before
    the last tag): no tag and, as a rule, no cell is split between two pieces. A split
    cell only ever sends a sheet down the slow path, never past a check."""
    tail = b""
    for chunk in chunks:
        data = tail + chunk
        cut = data.rfind(b"row>")
        cut = cut + 4 if cut >= 0 else data.rfind(b"<")
        data, tail = (data[:cut], data[cut:]) if cut > 0 else (data, b"")
        yield data
    yield tail


def _scan_sheet(chunks: Iterator[bytes], limits: SheetLimits) -> int:
    """The fast path: stream the sheet's XML and look closer only at the cells that
    ``_extent_patterns`` picks (none in the usual sheet); ``_NeedsParse`` for what it
    cannot read so. Returns an upper bound of the shared-string cells: every "s"."""
    candidate, reference = _extent_patterns(limits)
    max_row = limits.rows + TITLE_ROWS + 1
    shared = 0
    first = True
    for data in _pieces(chunks):
        if first:
            first = False
            declared = _DIMENSION.search(data)
            if declared:
                _check_declared(declared.group(1).decode("ascii", "replace"), limits)
        if b":c" in data and _PREFIXED_CELL.search(data):  # the cheap test first
            raise _NeedsParse()
        for match in candidate.finditer(data):
            ref = reference.match(data, match.end())
            if ref is None:
                raise _NeedsParse()
            if ref.group(3) == b"/":  # <c r="…" s="…"/>: a styled blank calamine skips
                continue
            row, column = int(ref.group(2)), _column_number(ref.group(1))
            if row > max_row or column > limits.columns:
                raise _too_far(row, column, limits)
        shared += data.count(b'"s"') + data.count(b"'s'")
    return shared


def _count_shared(chunks: Iterator[bytes]) -> Counter[int]:
    """References to each shared string, for a sheet whose bound was not enough; any
    "s" that is not a plain t="s" cell sends it to the parser."""
    shared: Counter[bytes] = Counter()
    for data in _pieces(chunks):
        indexes = _SHARED_CELL.findall(data)
        if len(indexes) != data.count(b'"s"') + data.count(b"'s'"):
            raise _NeedsParse()
        shared.update(indexes)
    return Counter({int(index): count for index, count in shared.items()})


def _check_declared(ref: str, limits: SheetLimits) -> None:
    end = ref.split(":")[-1].replace("$", "")
    match = _REF.fullmatch(end)
    if match is None:
        return  # calamine ignores what it cannot parse as well
    row, column = int(match.group(2)), _column_number(match.group(1))
    if row > limits.rows + TITLE_ROWS + 1 or column > limits.columns:
        raise _declared_too_large(ref, limits)


def _parse_sheet(chunks: Iterable[bytes], limits: SheetLimits) -> Counter[int]:
    """The slow path: position every cell as calamine's reader does (a <row r=""> sets
    the row and its end moves to the next; a cell without r="" follows the one before
    it) and count the shared strings' references, with expat. It counts a blank cell
    too, so it errs on the side of refusing."""
    max_row = limits.rows + TITLE_ROWS + 1
    state = {"row": 0, "column": 0, "shared": 0, "value": 0}
    value: list[str] = []
    shared: Counter[int] = Counter()
    parser = xml.parsers.expat.ParserCreate()

    def start(name: str, attributes: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        if local == "row":
            r = attributes.get("r")
            if r is not None:
                state["row"] = int(r) - 1
        elif local == "c":
            r = attributes.get("r")
            if r is not None:
                match = _REF.fullmatch(r)
                if match is None:
                    raise ValueError(r)
                row, column = int(match.group(2)), _column_number(match.group(1))
                state["column"] = column - 1
            else:
                row, column = state["row"] + 1, state["column"] + 1
            state["column"] += 1
            state["shared"] = attributes.get("t") == "s"
            if row > max_row or column > limits.columns:
                raise _too_far(row, column, limits)
        elif local == "v" and state["shared"]:
            state["value"] = 1
            value.clear()
        elif local == "dimension" and attributes.get("ref"):
            _check_declared(attributes["ref"], limits)

    def end(name: str) -> None:
        local = name.rpartition(":")[2]
        if local == "row":
            state["row"] += 1
            state["column"] = 0
        elif local == "v" and state["value"]:
            state["value"] = 0
            shared[int("".join(value).strip() or "0")] += 1
        elif local == "c":
            state["shared"] = 0

    def text(data: str) -> None:
        if state["value"]:
            value.append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    for chunk in chunks:
        parser.Parse(chunk, False)
    parser.Parse(b"", True)
    return shared
