"""Time the re-evaluation of 困难类型 when a 低保 line changes (issue 17 part 4).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relief_filing_bench \\
        .venv/bin/python -m bench.reevaluate [--raise-to 1150]

On the cases of ``bench.generate_cases`` (run that first). Each step is the service the
admin calls (``cases.services.cases_reevaluate``, one ``UPDATE … CASE`` per unit), timed
whole, transaction and commit included:

0. set-up (untimed): a line for each district-level unit, the first evaluation;
1. every district's line raised by ``subsistence_line_save`` (what a head does in the
   admin), one pass per district over all 1M files: only the files whose type changes
   are written;
2. the same again: nothing changes, the pass only reads.

Prints figures; asserts nothing. Refuses a database whose name lacks "bench".
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from decimal import Decimal

from bench import harness

DEFAULT_DATABASE_URL = f"sqlite:///{harness.DATA_DIR / 'bench.sqlite3'}"
EFFECTIVE = date(2025, 7, 1)
# Plausible 2025 standards (yuan per person per month) for the demo's districts.
LINES = {"昆山市总工会": "1095", "吴中区总工会": "1095", "金阊区总工会": "1095",
         "苏州工投公司工会": "1095"}  # fmt: skip


def _drop_lines_after(day: date) -> None:
    """The lines an earlier run added (and their re-evaluation records): bench data."""
    from cases.models import Reevaluation, SubsistenceLine

    later = SubsistenceLine.objects.filter(effective_on__gt=day)
    Reevaluation.objects.filter(line__in=later).delete()
    later.delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--raise-to", default="1150", help="昆山's new line (yuan)")
    parser.add_argument("--force", action="store_true", help="allow a non-bench database")
    options = parser.parse_args()
    harness.setup_django(DEFAULT_DATABASE_URL, debug="0")
    print("database:", harness.check_database(options.force), "·", harness.describe_database())
    print("machine:", harness.machine(), "· load", harness.load_average())

    from django.utils import timezone

    from cases import services
    from cases.models import Case, SubsistenceLine
    from unions.models import UnionUnit, User

    total = Case.objects.count()
    print(f"cases: {total:,}")
    admin = User.objects.get(username="city_admin")
    today = timezone.localdate()
    rows = []

    def timed(label, action):
        started = time.monotonic()
        runs = action()
        seconds = time.monotonic() - started
        changed = sum(run.changed for run in runs)
        lost = sum(run.no_longer_qualify for run in runs)
        rows.append((label, f"{changed:,}", f"{lost:,}", f"{seconds:.1f} s"))
        print(f"  {label}: {changed:,} changed, {lost:,} no longer qualify, {seconds:.1f} s")

    from django.conf import settings

    _drop_lines_after(EFFECTIVE)
    districts = [UnionUnit.objects.get(name=name) for name in LINES]
    for unit in districts:
        amount = Decimal(LINES[unit.name])
        SubsistenceLine.objects.update_or_create(
            unit=unit, effective_on=EFFECTIVE, defaults={"monthly_amount": amount}
        )
    # Set-up, untimed and without the statement timeout: the first evaluation writes
    # every file (each row rewrites all of the register's indexes, trigram ones included).
    timeout, settings.REPORT_STATEMENT_TIMEOUT = settings.REPORT_STATEMENT_TIMEOUT, ""
    started = time.monotonic()
    first = [services.cases_reevaluate(unit=u, on=today, acting_user=admin) for u in districts]
    print(
        f"  (set-up: first evaluation wrote {sum(r.changed for r in first):,} files in "
        f"{time.monotonic() - started:.1f} s, untimed)"
    )
    settings.REPORT_STATEMENT_TIMEOUT = timeout

    def raise_lines():
        runs = []
        for unit in districts:
            line = SubsistenceLine(
                unit=unit, monthly_amount=Decimal(options.raise_to), effective_on=today
            )
            started = time.monotonic()
            services.subsistence_line_save(line=line, acting_user=admin)
            run = line.reevaluations.get()
            print(f"    {unit.name}: {run.changed:,} changed, {time.monotonic() - started:.1f} s")
            runs.append(run)
        return runs

    timed(f"every district's line 1095 → {options.raise_to} ({total:,} files)", raise_lines)
    timed(
        "every district again, nothing changes",
        lambda: [
            services.cases_reevaluate(unit=u, on=today, acting_user=admin) for u in districts
        ],
    )
    _drop_lines_after(EFFECTIVE)
    print()
    print(harness.markdown_table(["step", "changed:", "no longer qualify:", "time:"], rows))


if __name__ == "__main__":
    main()
