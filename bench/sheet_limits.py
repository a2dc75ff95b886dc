"""Peak memory and time of one sheet import at the limits (issue 13 part 2).

    .venv/bin/python -m bench.sheet_limits [--rows N]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relief_import_bench \\
        .venv/bin/python -m bench.sheet_limits

Each step runs in a fresh child process, so its peak resident memory (``ru_maxrss``) is
its own; "baseline" is Django set up and nothing else. The case sheet at the row limit
(``RELIEF_SHEET_MAX_ROWS``, or ``--rows``) is the realistic file of bench.import_cases
(16 columns, cached under bench/data/); the widest file a reader accepts is that many
rows of ``RELIEF_SHEET_MAX_COLUMNS`` one-character cells. The steps:

- reading only (the readers' checks, calamine, every row walked) of each file;
- ``importsheet --dry-run`` of the .csv and the .xlsx: every row read, cleaned, matched
  and checked, which is what an import holds in memory before it writes;
- the admin's preview path (``SheetCSV.create_dataset``, then the dry run);
- the hostile files, refused: a 1.6 KB .xlsx with a cell at XFD1048576, a sheet one row
  past the limit, a .csv one row past the limit.

Figures are printed, never asserted. The database is emptied and the demo tree loaded
(bench.import_cases' reset): the script refuses a database whose name lacks "bench".
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path

from bench import harness, import_cases

DATA = harness.DATA_DIR


def setup_django() -> None:
    import_cases.setup_django()


def _limits(args):
    from dataclasses import replace

    from sheets.limits import sheet_limits

    limits = sheet_limits()
    return replace(limits, rows=args.rows) if args.rows else limits


def step_read(args) -> str:
    from sheets.readers import read_sheet_file

    sheet = read_sheet_file(Path(args.file), _limits(args))
    count = sum(1 for _ in sheet.rows)
    return f"{count:,} rows read"


def step_dry_run(args) -> str:
    with _rows_setting(args):
        return harness.call_command(
            "importsheet", "cases", args.file, "--as", import_cases.CLERK, "--dry-run"
        )


def step_preview(args) -> str:
    from cases.resources import CaseResource
    from sheets import SheetCSV
    from unions.models import User

    with _rows_setting(args):
        dataset = SheetCSV().create_dataset(Path(args.file).read_bytes())
        result = CaseResource().import_data(
            dataset,
            dry_run=True,
            user=User.objects.get(username=import_cases.CLERK),
            file_name="preview.csv",
        )
    return f"{result.summary()}, {len(result.errors)} errors"


def step_refused(args) -> str:
    from sheets import SheetFileError
    from sheets.readers import read_sheet_file

    try:
        sheet = read_sheet_file(Path(args.file), _limits(args))
        for _row in sheet.rows:
            pass
    except SheetFileError as error:
        return f"refused: {str(error)[:60]}…"
    return "NOT refused"


def _rows_setting(args):
    from django.test import override_settings

    return override_settings(RELIEF_SHEET_MAX_ROWS=args.rows) if args.rows else _nothing()


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


STEPS = {
    "reset": import_cases.step_reset,
    "baseline": import_cases.step_baseline,
    "read": step_read,
    "dry_run": step_dry_run,
    "preview": step_preview,
    "refused": step_refused,
}


def child(step: str, **options) -> dict:
    return harness.child("bench.sheet_limits", step, **options)


# --- the files ----------------------------------------------------------------------------


def write_files(rows: int, columns: int) -> dict[str, Path]:
    """The realistic sheet at the limit (bench.import_cases' files), the widest one, and
    the hostile ones."""
    from sheets.xlsx import write_xlsx
    from tests.security.hostile import far_cell_xlsx

    paths = import_cases.write_files(rows, 1000)
    wide = DATA / f"wide_{rows}x{columns}.xlsx"
    if not wide.exists():
        write_xlsx(
            wide,
            [f"列{n}" for n in range(columns)],
            (["x"] * columns for _ in range(rows)),
        )
    far = DATA / "far_cell.xlsx"
    far.write_bytes(far_cell_xlsx())
    over_csv = DATA / f"cases_{rows}_plus_one.csv"
    if not over_csv.exists():
        data = paths["csv"].read_bytes()
        last_line = data.rstrip(b"\r\n").rsplit(b"\n", 1)[-1]
        over_csv.write_bytes(data + last_line + b"\r\n")
    over_xlsx = DATA / f"rows_{rows}_plus_one.xlsx"
    if not over_xlsx.exists():
        buffer = io.BytesIO()
        write_xlsx(buffer, ["姓名"], (["x"] for _ in range(rows + 1)))
        over_xlsx.write_bytes(buffer.getvalue())
    return {**paths, "wide": wide, "far": far, "over_csv": over_csv, "over_xlsx": over_xlsx}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=0, help="default: RELIEF_SHEET_MAX_ROWS")
    parser.add_argument("--force", action="store_true", help="allow a database without 'bench'")
    parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        setup_django()
        return harness.run_step(STEPS[args.step], args)

    harness.refuse_unless_bench(import_cases.database_name(), args.force, "empty database")
    os.environ.setdefault("DATABASE_URL", import_cases.DEFAULT_DATABASE_URL)
    setup_django()
    from sheets.limits import sheet_limits

    limits = sheet_limits()
    rows = args.rows or limits.rows
    paths = write_files(rows, limits.columns)
    print(
        f"{harness.machine()}; python {sys.version.split()[0]}; load average "
        f"{os.getloadavg()[0]:.1f}; limits: {rows:,} rows, {limits.columns} columns, "
        f"{limits.cell_chars:,} characters a cell, upload {limits.upload_bytes // 2**20} MB"
    )
    child("reset")
    options = {"rows": rows} if args.rows else {}
    steps = [
        ("baseline (Django only)", "baseline", None),
        (f"read .csv, {rows:,} rows", "read", paths["csv"]),
        (f"read .xlsx, {rows:,} rows", "read", paths["xlsx"]),
        (f"read .xlsx, {rows:,} x {limits.columns} cells", "read", paths["wide"]),
        (f"importsheet --dry-run .csv, {rows:,} rows", "dry_run", paths["csv"]),
        (f"importsheet --dry-run .xlsx, {rows:,} rows", "dry_run", paths["xlsx"]),
        (f"admin preview (read + dry run), {rows:,} rows", "preview", paths["csv"]),
        ("refuse a cell at XFD1048576 (1.6 KB .xlsx)", "refused", paths["far"]),
        (f"refuse .xlsx of {rows + 1:,} rows", "refused", paths["over_xlsx"]),
        (f"refuse .csv of {rows + 1:,} rows", "refused", paths["over_csv"]),
    ]
    table = []
    for label, step, file in steps:
        outcome = child(step, **options, **({"file": file} if file else {}))
        size = f"{file.stat().st_size / 2**20:.1f} MB" if file else ""
        table.append(
            (
                label,
                size,
                f"{outcome['seconds']:.1f} s",
                f"{outcome['peak_mib']:.0f} MiB",
                outcome["detail"],
            )
        )
        print(f"  {label:<48} {table[-1][2]:>8} {table[-1][3]:>9}  {outcome['detail']}")
    print()
    print(harness.markdown_table(["step", "file", "time", "peak RSS", "outcome"], table))


if __name__ == "__main__":
    main()
