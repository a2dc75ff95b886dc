"""Time the yearly queries (issue 17 part 8): each count, each filtered case list, the
dashboard; prints figures only, asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relief_bench \\
        .venv/bin/python -m bench.yearly_queries [--prepare] [--explain]

On the cases and disbursements of ``bench.generate_cases`` / ``generate_disbursements``
(run those first: 1,000,000 cases and 5,000,000 disbursements for the README's figures).
For each of the city auditor and a district user (``--district-user``), one warm-up
call and ``--runs`` timed ones of:

- the count behind each dashboard card, as ``reports.dashboard`` makes it:
  回访到期 (``CaseQuerySet.follow_up_due``), 年度复核到期 (``due_for_review``), 一年未更新
  (``not_updated_in_a_year``), 从未帮扶 (``funds.selectors.cases_never_aided``) and the
  re-evaluation's flagged files (``flagged_file_cards``, one query);
- the case list filtered by each (``?yearly=…``, ``?aided=never``), whole requests
  through ``django.test.Client``;
- the admin index (every card).

The generated data has no follow-up due and every file written at generation time, so
two of the queries would find nothing. ``--prepare`` (a write: bench databases only)
first gives the generated exited files of the last 12 months their first follow-up due
date, as cases migration 0012 does, and moves ``updated_at`` of one generated file in
three back 400 days; run it once.

Without ``DATABASE_URL`` the data lives in bench/data/bench.sqlite3.
"""

from __future__ import annotations

import argparse
import datetime
from collections.abc import Callable

from bench import generate_cases, harness

CITY_USER = "city_auditor"
DISTRICT_USER = "kunshan_clerk"
AGED_DAYS = 400


def prepare(log=print) -> None:
    """Give the generated files something for each query to find (bench data only)."""
    from django.db import transaction
    from django.db.models import F
    from django.db.models.functions import Mod
    from django.db.models.query import QuerySet
    from django.utils import timezone

    from cases.filing import follow_up_due_after, follow_up_months
    from cases.models import Case
    from core.dates import add_months

    today = timezone.localdate()
    generated = QuerySet(Case).filter(pk__in=generate_cases.generated_cases().values("pk"))
    since = add_months(today, -max(follow_up_months()))
    exited = generated.filter(status="exited", exited_on__gte=since)
    with transaction.atomic():
        days = list(exited.order_by().values_list("exited_on", flat=True).distinct())
        due = 0
        for day in days:
            due += exited.filter(exited_on=day).update(
                follow_up_due_on=follow_up_due_after(day, 0)
            )
        log(f"  follow-up due set on {due:,} exited files ({len(days)} exit dates)")
        aged = (
            generated.annotate(third=Mod(F("pk"), 3))
            .filter(third=0)
            .update(updated_at=timezone.now() - datetime.timedelta(days=AGED_DAYS))
        )
        log(f"  updated_at moved back {AGED_DAYS} days on {aged:,} files")


def count_action(count: Callable[[], int]) -> Callable[[], str]:
    def action() -> str:
        return f"{count():,}"

    return action


def page_action(client, url: str) -> Callable[[], str]:
    def action() -> str:
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code} {response.get('Location', '')}")
        return f"{len(response.content) / 1024:,.0f} KiB"

    return action


def scenarios(users: dict, clients: dict) -> list[tuple[str, str, Callable[[], str]]]:
    from django.urls import reverse
    from django.utils import timezone

    from cases.filters import YearlyQueryFilter
    from cases.models import Case
    from funds.filters import NeverAidedFilter
    from funds.selectors import cases_never_aided, census_counts
    from reports.dashboard import flagged_file_cards

    today = timezone.localdate()
    changelist = reverse("admin:cases_case_changelist")
    lists = {
        "回访到期": f"{YearlyQueryFilter.parameter_name}={YearlyQueryFilter.FOLLOW_UP_DUE}",
        "年度复核到期": f"{YearlyQueryFilter.parameter_name}={YearlyQueryFilter.REVIEW_DUE}",
        "一年未更新": f"{YearlyQueryFilter.parameter_name}={YearlyQueryFilter.NOT_UPDATED}",
        "从未帮扶": f"{NeverAidedFilter.parameter_name}={NeverAidedFilter.NEVER}",
    }
    found = []
    for name, user in users.items():
        cases = Case.objects.for_user(user)
        counts = {
            "回访到期": lambda cases=cases: cases.follow_up_due(today).count(),
            "年度复核到期": lambda cases=cases: cases.due_for_review(today).count(),
            "一年未更新": lambda cases=cases: cases.not_updated_in_a_year(today).count(),
            "从未帮扶": lambda cases=cases: cases_never_aided(cases).count(),
            # What the dashboard reads for these two: the case census (funds.census).
            "年度复核到期 (census)": lambda user=user: census_counts(user, today).review_due,
            "从未帮扶 (census)": lambda user=user: census_counts(user, today).never_aided,
        }
        for label, count in counts.items():
            found.append((name, f"count {label}", count_action(count)))
        found.append(
            (
                name,
                "count 困难类型变化 (both cards)",
                lambda user=user: " / ".join(
                    f"{card['count']:,}" for card in flagged_file_cards(user)
                ),
            )
        )
        for label, query in lists.items():
            found.append(
                (name, f"list {label}", page_action(clients[name], f"{changelist}?{query}"))
            )
        found.append(
            (name, "admin index (dashboard)", page_action(clients[name], reverse("admin:index")))
        )
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per scenario")
    parser.add_argument("--district-user", default=DISTRICT_USER)
    parser.add_argument(
        "--prepare", action="store_true", help="set follow-ups due and age some files first"
    )
    parser.add_argument(
        "--explain", action="store_true", help="print EXPLAIN ANALYZE of the slowest queries"
    )
    parser.add_argument(
        "--force", action="store_true", help="allow a database without 'bench' in its name"
    )
    parser.add_argument("--output", help="also write the Markdown report to this file")
    args = parser.parse_args(argv)

    generate_cases.bootstrap()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings
    from django.utils import timezone

    from cases.models import Case
    from funds.models import Disbursement
    from unions.models import User

    settings.ALLOWED_HOSTS.append("testserver")
    database = harness.check_database(args.force)
    if args.prepare:
        prepare()
    report = [
        f"# Yearly queries benchmark, {timezone.localdate()}",
        "",
        f"- machine: {harness.machine()}",
        f"- database: {harness.describe_database()} ({database})",
        f"- {Case.objects.count():,} cases, {Disbursement.objects.count():,} disbursements; "
        f"{args.runs} timed runs after 1 warm-up, times in ms",
        f"- load average at start: {harness.load_average()}",
        "",
    ]
    print("\n".join(report), flush=True)

    users = {name: User.objects.get(username=name) for name in (CITY_USER, args.district_user)}
    clients = {}
    for name, user in users.items():
        clients[name] = Client()
        clients[name].force_login(user)
    rows = []
    with override_settings(DEBUG=False):
        for user, label, action in scenarios(users, clients):
            timings = harness.Timings()
            try:
                outcome = action()
                for _ in range(args.runs):
                    harness.time_queries(action, timings)
            except Exception as error:  # a benchmark reports, it does not stop
                print(f"  {user:<14} {label:<32} {type(error).__name__}: {error}"[:240])
                rows.append((user, label, "error", "", "", "", ""))
                continue
            print(
                f"  {user:<14} {label:<32} {outcome:<12} median {timings.median_ms():7.0f} ms"
                f"  {timings.query_counts():>5} queries  SQL {timings.median_db_ms():6.0f} ms",
                flush=True,
            )
            rows.append(
                (
                    user,
                    label,
                    outcome,
                    f"{timings.median_ms():.0f}",
                    f"{timings.min_ms():.0f}",
                    timings.query_counts(),
                    f"{timings.median_db_ms():.0f}",
                )
            )
            if args.explain:
                harness.print_explained(timings.slowest, count=1)

    table = harness.markdown_table(
        ["user", "query", "found / size", "median:", "fastest:", "queries:", "SQL median:"], rows
    )
    report += [f"- load average at end: {harness.load_average()}", "", table]
    print("\n" + table)
    harness.write_report(args.output, report)


if __name__ == "__main__":
    main()
