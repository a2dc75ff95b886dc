"""Time the money sheets: a 100,000-row disbursement sheet (发放记录) and the ledger.

    .venv/bin/python -m bench.import_money [--rows 100000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relief_money_bench \\
        .venv/bin/python -m bench.import_money

Puts ``--rows`` verified cases on file in 昆山市总工会 and its towns (the case sheet of
``bench.import_cases``, imported as kunshan_head), opens a fund with one ledger-sheet
row, then times, each step in a fresh child process (peak memory is that step's own):

- ``importsheet disbursements``: one cash row per case, all new — every row checked
  (person in scope and name, fund of the paying unit or above, the running balance),
  then one transaction: the ledger entries under the fund's lock, the disbursements,
  the history of both;
- the same file again (all unchanged: matched one to one, nothing paid twice);
- ``exportsheet disbursements`` and ``exportsheet ledger`` to .xlsx.

Timings are printed, never asserted. The database is emptied first: the script refuses
any database whose name lacks "bench".
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import random
from pathlib import Path

from bench import harness, import_cases

ROOT = import_cases.ROOT
DATA = import_cases.DATA
DEFAULT_DATABASE_URL = f"sqlite:///{DATA / 'money_bench.sqlite3'}"
HEAD = "kunshan_head"
FUND = "基准测试送温暖资金"
DISBURSEMENT_HEADERS = [
    "身份证号", "姓名", "发放日期", "发放类别", "金额（元）", "物资名称", "数量", "单价（元）",
    "资金来源", "活动", "发放单位", "带队领导", "经办人", "是否签收", "结对协议编号", "备注",
]  # fmt: skip
LEDGER_HEADERS = ["资金名称", "所属工会", "资金类别", "日期", "收支类型", "金额（元）", "来源"]


def write_files(rows: int) -> dict[str, Path]:
    DATA.mkdir(parents=True, exist_ok=True)
    paths = {
        "cases": DATA / f"money_cases_{rows}.csv",
        "ledger": DATA / "money_ledger.csv",
        "disbursements": DATA / f"money_disbursements_{rows}.csv",
    }
    if all(path.exists() for path in paths.values()):
        return paths
    cases = import_cases.generate_rows(rows)
    for case in cases:
        case[13] = "在档"  # verified, so that they may be paid
    with paths["cases"].open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(import_cases.HEADERS)
        writer.writerows(cases)
    with paths["ledger"].open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(LEDGER_HEADERS)
        writer.writerow(
            [FUND, "昆山市总工会", "送温暖专项资金", "2007-01-05", "上级拨款", "200000000", "市总"]
        )
    rng = random.Random(import_cases.SEED)
    with paths["disbursements"].open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(DISBURSEMENT_HEADERS)
        for case in cases:
            day = datetime.date(2007, 1, 10) + datetime.timedelta(rng.randrange(40))
            writer.writerow(
                [
                    case[1],
                    case[0],
                    f"{day.year}年{day.month}月{day.day}日",
                    rng.choice(["慰问金", "困难补助"]),
                    f"{rng.choice([500, 600, 800, 1000, 1200, 1500])}元",
                    "",
                    "",
                    "",
                    FUND,
                    "",
                    "昆山市总工会",
                    "张主席",
                    "顾粮",
                    rng.choice(["是", "是", "是", "否"]),
                    "",
                    "[money-bench]",
                ]
            )
    return paths


def step_import(args) -> str:
    return import_cases.call("importsheet", args.kind, args.file, "--as", HEAD)


def step_export(args) -> str:
    return import_cases.call("exportsheet", args.kind, "--as", HEAD, "-o", args.file)


STEPS = {"reset": import_cases.step_reset, "import": step_import, "export": step_export}


def run_child(args) -> None:
    import_cases.setup_django()
    harness.run_step(STEPS[args.step], args)


def child(step: str, **options) -> dict:
    return harness.child("bench.import_money", step, **options)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--force", action="store_true", help="allow a database without 'bench'")
    parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)
    parser.add_argument("--kind", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    if args.step:
        return run_child(args)
    name = harness.database_url_name(DEFAULT_DATABASE_URL)
    harness.refuse_unless_bench(name, args.force, "empty database")
    paths = write_files(args.rows)
    engine = "SQLite" if name.endswith(".sqlite3") else "PostgreSQL"
    print(f"{engine} {name}, {args.rows:,} rows, {os.cpu_count()} cores")

    def record(label: str, outcome: dict, rows: int) -> None:
        rate = rows / outcome["seconds"] if outcome["seconds"] else 0
        print(
            f"  {label:<40} {outcome['seconds']:7.2f} s  {rate:>9,.0f} rows/s  "
            f"peak {outcome['peak_mib']:6.0f} MiB  {outcome['detail']}"
        )

    child("reset")
    record(
        "importsheet cases (setup)", child("import", kind="cases", file=paths["cases"]), args.rows
    )
    record(
        "importsheet ledger (opens the fund)",
        child("import", kind="ledger", file=paths["ledger"]),
        1,
    )
    for label in ("importsheet disbursements (all new)", "importsheet disbursements again"):
        record(
            label, child("import", kind="disbursements", file=paths["disbursements"]), args.rows
        )
    record(
        "exportsheet disbursements .xlsx",
        child("export", kind="disbursements", file=DATA / "money_disbursements.xlsx"),
        args.rows,
    )
    record(
        "exportsheet ledger .xlsx",
        child("export", kind="ledger", file=DATA / "money_ledger.xlsx"),
        args.rows,
    )


if __name__ == "__main__":
    main()
