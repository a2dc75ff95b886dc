"""Time the case sheet (困难职工档案): import, re-import, preview and export of 100,000 rows.

    .venv/bin/python -m bench.import_cases [--rows 100000] [--preview-rows 10000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relief_import_bench \\
        .venv/bin/python -m bench.import_cases

Generates a sheet of valid, realistic rows for 昆山市总工会 and its towns (CSV and .xlsx,
cached under bench/data/, which is gitignored) and runs each step in a fresh child
process, so that each peak memory figure (``resource.getrusage``) is that step's own:

- the stock django-import-export path (a plain ``ModelResource`` with the same columns,
  ``use_bulk=True``, ``clean_model_instances=True``) on the first ``--stock-rows`` rows,
  rolled back, extrapolated to the whole file and printed as a ratio;
- ``importsheet`` of the CSV as kunshan_clerk (all new), then again (all unchanged);
- the admin's dry-run preview of ``--preview-rows`` rows (half of them changed), with
  the HTML diff the preview page shows;
- ``exportsheet`` of every row to .xlsx and to .csv;
- ``importsheet`` of the .xlsx into an empty register.

Timings are printed, never asserted. Targets (issue 6): import < 20 s and < 1 GiB, export
< 10 s, preview < 5 s. The database is emptied (``flush``) and the demo tree reloaded
before the imports: the script refuses any database whose name lacks "bench".
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import random
import sys
import time
from pathlib import Path

from bench import harness

ROOT = harness.ROOT
DATA = harness.DATA_DIR
DEFAULT_DATABASE_URL = f"sqlite:///{DATA / 'import_bench.sqlite3'}"
CLERK = "kunshan_clerk"
SEED = 2007

HEADERS = [
    "姓名", "身份证号", "性别", "出生日期", "所属工会", "工作单位", "困难类别", "致困原因",
    "家庭人口", "家庭月人均收入（元）", "联系电话", "家庭住址", "建档日期", "档案状态",
    "救助证号", "备注",
]  # fmt: skip
# Units of kunshan_clerk's scope, by name or code as clerks write them.
UNITS = ["昆山市总工会", "张浦镇工会", "陆家镇工会", "巴城镇工会", "KS", "KS-ZP"]
# Regions the demo does not use, so generated people never collide with demo cases.
REGIONS = ["320581", "320582", "320585", "320584"]
CATEGORIES = ["困难职工", "特困职工", "困难离退休职工", "困难农民工", "低保户", "困难劳模"]
CAUSES = ["因病", "因残", "子女就学", "失业下岗", "单亲", "企业困难", ""]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
GIVEN = [
    "建国", "秀英", "志强", "桂英", "国平", "海燕", "卫东", "玉兰",
    "德明", "红梅", "永林", "春华", "伟民", "美芳", "荣生",
]  # fmt: skip
PLACES = ["昆山市玉山镇", "昆山市张浦镇", "昆山市陆家镇", "昆山市巴城镇", "昆山市周市镇"]


# --- the sheet --------------------------------------------------------------------------


def generate_rows(count: int) -> list[list]:
    """Rows as an export writes them (ISO dates, plain amounts), so the stock
    django-import-export widgets can read the very same file."""
    from cases.idnumbers import birth_date_from_id, random_id_number

    rng = random.Random(SEED)
    seen: set[str] = set()
    rows = []
    for i in range(count):
        id_number = random_id_number(rng, region=rng.choice(REGIONS))
        while id_number in seen:
            id_number = random_id_number(rng, region=rng.choice(REGIONS))
        seen.add(id_number)
        gender = "男" if int(id_number[16]) % 2 else "女"
        causes = sorted({rng.choice(CAUSES) for _ in range(rng.randint(1, 2))} - {""})
        registered = datetime.date(2005, 1, 1) + datetime.timedelta(rng.randrange(700))
        phone = (
            f"139{rng.randrange(10**8):08d}"
            if rng.random() < 0.85
            else f"0512-{rng.randrange(5_000_000, 8_000_000)}"
        )
        rows.append(
            [
                rng.choice(SURNAMES) + rng.choice(GIVEN),
                id_number,
                gender,
                birth_date_from_id(id_number).isoformat(),
                rng.choice(UNITS),
                f"某{rng.choice(['纺织厂', '机械厂', '电子公司', '物流公司'])}",
                rng.choice(CATEGORIES),
                "、".join(causes),
                rng.randint(1, 6),
                f"{rng.randrange(0, 120_000) / 100:.2f}",
                phone,
                f"{rng.choice(PLACES)}人民路{rng.randrange(1, 400)}号",
                registered.isoformat(),
                "待审核",
                "",
                f"[import-bench] #{i}",
            ]
        )
    return rows


def write_files(rows: int, preview_rows: int, *, xlsx: bool = True) -> dict[str, Path]:
    """The sheet as .csv (and .xlsx unless ``xlsx`` is False: a million rows go as .csv)."""
    DATA.mkdir(parents=True, exist_ok=True)
    paths = {
        "csv": DATA / f"cases_{rows}.csv",
        "xlsx": DATA / f"cases_{rows}.xlsx",
        "preview": DATA / f"cases_{rows}_preview_{preview_rows}.csv",
    }
    if not xlsx:
        del paths["xlsx"]
    if all(path.exists() for path in paths.values()):
        return paths
    started = time.perf_counter()
    data = generate_rows(rows)
    with paths["csv"].open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        writer.writerows(data)
    with paths["preview"].open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for i, row in enumerate(data[:preview_rows]):
            writer.writerow(row[:10] + ["13800000000"] + row[11:] if i % 2 else row)
    if not xlsx:
        return paths
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("困难职工档案")
    sheet.append(HEADERS)
    for row in data:
        cells = list(row)
        cells[12] = datetime.date.fromisoformat(cells[12])  # a real Excel date cell
        cells[9] = float(cells[9])  # and a number cell
        sheet.append(cells)
    book.save(paths["xlsx"])
    print(f"generated {rows:,} rows in {time.perf_counter() - started:.0f} s under {DATA}")
    return paths


# --- the steps (each in its own process) -------------------------------------------------


def setup_django() -> None:
    harness.setup_django(DEFAULT_DATABASE_URL, debug="0")


call = harness.call_command


def step_reset(_args) -> str:
    from importlib import import_module

    from django.apps import apps
    from django.core.management import call_command

    from unions import demo

    call_command("migrate", interactive=False, verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    # flush also empties what data migrations filled: the fixed list of causes.
    import_module("cases.migrations.0002_causes").load_causes(apps, None)
    demo.load(password=harness.DEMO_PASSWORD, log=lambda message: None)
    return "empty register, demo units and users"


def step_baseline(_args) -> str:
    from cases.resources import CaseResource  # noqa: F401 - what every step imports

    return "Django set up, nothing else"


def step_import(args) -> str:
    return call("importsheet", "cases", args.file, "--as", CLERK)


def step_preview(args) -> str:
    from cases.resources import CaseResource
    from sheets import SheetCSV
    from unions.models import User

    dataset = SheetCSV().create_dataset(Path(args.file).read_bytes())
    result = CaseResource().import_data(
        dataset, dry_run=True, user=User.objects.get(username=CLERK), file_name="preview.csv"
    )
    if result.errors or not all(row.diff for row in result.rows):
        raise RuntimeError("the preview should have every row valid and changed")
    return result.summary()


def step_export(args) -> str:
    return call("exportsheet", "cases", "--as", CLERK, "-o", args.file)


def step_stock(args) -> str:
    """The stock django-import-export path on the first rows of the same file."""
    import tablib
    from django.db import transaction
    from import_export import fields, resources, widgets

    from cases.models import Case, CaseStatus, Category, Cause
    from unions.models import UnionUnit, User

    class LabelWidget(widgets.Widget):
        def __init__(self, choices):
            super().__init__()
            self.codes = {str(label): value for value, label in choices.choices}

        def clean(self, value, row=None, **kwargs):
            return self.codes.get(value, value)

    class StockCaseResource(resources.ModelResource):
        name = fields.Field("name", "姓名")
        id_number = fields.Field("id_number", "身份证号")
        unit = fields.Field("unit", "所属工会", widgets.ForeignKeyWidget(UnionUnit, "name"))
        employer = fields.Field("employer", "工作单位")
        category = fields.Field("category", "困难类别", LabelWidget(Category))
        causes = fields.Field(
            "causes", "致困原因", widgets.ManyToManyWidget(Cause, separator="、", field="name")
        )
        household_size = fields.Field("household_size", "家庭人口", widgets.IntegerWidget())
        monthly_income_per_capita = fields.Field(
            "monthly_income_per_capita", "家庭月人均收入（元）", widgets.DecimalWidget()
        )
        phone = fields.Field("phone", "联系电话")
        address = fields.Field("address", "家庭住址")
        registered_on = fields.Field("registered_on", "建档日期", widgets.DateWidget())
        status = fields.Field("status", "档案状态", LabelWidget(CaseStatus))
        certificate_number = fields.Field("certificate_number", "救助证号")
        notes = fields.Field("notes", "备注")

        class Meta:
            model = Case
            fields = (
                "name", "id_number", "unit", "employer", "category", "causes",
                "household_size", "monthly_income_per_capita", "phone", "address",
                "registered_on", "status", "certificate_number", "notes",
            )  # fmt: skip
            import_id_fields = ("id_number",)
            use_bulk = True
            clean_model_instances = True
            skip_unchanged = True

    # The units in the file are names or codes; the stock widget looks up names only.
    codes = dict(UnionUnit.objects.values_list("code", "name"))
    with open(args.file, encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))[: args.rows + 1]
    for line in lines[1:]:
        line[4] = codes.get(line[4], line[4])
    text = "\n".join(",".join(f'"{cell}"' for cell in line) for line in lines)
    user = User.objects.get(username=CLERK)
    started = time.perf_counter()
    with transaction.atomic():
        dataset = tablib.Dataset().load(text, format="csv")
        result = StockCaseResource().import_data(dataset, dry_run=False, user=user)
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    totals = {k: v for k, v in result.totals.items() if v}
    return json.dumps({"seconds": seconds, "rows": len(dataset), "totals": totals})


STEPS = {
    "reset": step_reset,
    "baseline": step_baseline,
    "import": step_import,
    "preview": step_preview,
    "export": step_export,
    "stock": step_stock,
}


def run_child(args) -> None:
    setup_django()
    harness.run_step(STEPS[args.step], args)


def child(step: str, **options) -> dict:
    return harness.child("bench.import_cases", step, **options)


# --- the run ------------------------------------------------------------------------------


def database_name() -> str:
    return harness.database_url_name(DEFAULT_DATABASE_URL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--preview-rows", type=int, default=10_000)
    parser.add_argument("--stock-rows", type=int, default=5_000)
    parser.add_argument("--force", action="store_true", help="allow a database without 'bench'")
    parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        return run_child(args)

    harness.refuse_unless_bench(database_name(), args.force, "empty database")
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    paths = write_files(args.rows, args.preview_rows)
    engine = "PostgreSQL" if database_name() != "import_bench.sqlite3" else "SQLite"
    print(
        f"{engine} {database_name()}, {args.rows:,} rows, python {sys.version.split()[0]}, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start"
    )

    figures = []

    def record(label: str, outcome: dict, rows: int, target: str = "") -> None:
        figures.append((label, outcome["seconds"], outcome["peak_mib"], rows, target))
        rate = rows / outcome["seconds"] if outcome["seconds"] else 0
        print(
            f"  {label:<34} {outcome['seconds']:7.2f} s  (cpu {outcome['cpu']:6.2f} s)  "
            f"{rate:>9,.0f} rows/s  peak {outcome['peak_mib']:6.0f} MiB  {target:<7} "
            f"{outcome['detail']}"
        )

    child("reset")
    record("baseline (Django only)", child("baseline"), 0)
    stock = child("stock", file=paths["csv"], rows=args.stock_rows)
    stock_run = json.loads(stock["detail"])
    stock_rate = stock_run["rows"] / stock_run["seconds"]
    stock["seconds"] = stock_run["seconds"]
    stock["detail"] = f"{stock_run['totals']}, rolled back"
    record(f"stock import-export, {stock_run['rows']:,} rows", stock, stock_run["rows"])

    ours = child("import", file=paths["csv"])
    record("importsheet .csv (all new)", ours, args.rows, "< 20 s")
    record("importsheet .csv again (unchanged)", child("import", file=paths["csv"]), args.rows)
    record(
        f"admin preview, {args.preview_rows:,} rows",
        child("preview", file=paths["preview"]),
        args.preview_rows,
        "< 5 s",
    )
    export_xlsx = DATA / "export.xlsx"
    export_csv = DATA / "export.csv"
    record("exportsheet .xlsx", child("export", file=export_xlsx), args.rows, "< 10 s")
    record("exportsheet .csv", child("export", file=export_csv), args.rows, "< 10 s")
    child("reset")
    record("importsheet .xlsx (all new)", child("import", file=paths["xlsx"]), args.rows, "< 20 s")

    print(
        f"load average {os.getloadavg()[0]:.1f} at end; cpu is this process's own time "
        "(on PostgreSQL the server's work is not in it)"
    )
    ours_rate = args.rows / ours["seconds"]
    print(
        f"\nstock path: {stock_rate:,.0f} rows/s, so {args.rows:,} rows would take about "
        f"{args.rows / stock_rate:,.0f} s; ours: {ours_rate:,.0f} rows/s "
        f"({ours_rate / stock_rate:,.0f}x faster, with every cell checked, M2M and history)"
    )


if __name__ == "__main__":
    main()
