"""Time the hardship-case changelist (CaseAdmin) on generated data; prints figures only.

    make bench BENCH_ARGS="--sizes 100000,1000000"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relief_bench \\
        DEBUG=1 .venv/bin/python -m bench.run --sizes 100000,1000000

For each size the database is topped up to that many generated cases
(bench.generate_cases, incremental), analysed, and then every scenario is requested
through ``django.test.Client`` as each user (logged in with ``force_login``): one
warm-up request, then ``--runs`` timed ones. The table gives the median and fastest wall
time of a whole request (middleware, queries, template), the number of SQL queries
(counted with ``CaptureQueriesContext``, whatever ``DEBUG`` is) and the median time
spent in them. Nothing is asserted: timings depend on the machine.

Without ``DATABASE_URL`` the data lives in bench/data/bench.sqlite3, never in the
development database.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from urllib.parse import urlencode

from bench import generate_cases, harness

CHANGELIST = "/admin/cases/case/"
DEFAULT_USERS = ("kunshan_clerk", "city_auditor")


@dataclass
class Scenario:
    key: str
    label: str
    query: str = ""  # query string without "?"; filled in per user for the search


@dataclass
class Measurement:
    size: int
    user: str
    scenario: Scenario
    status: int = 0
    rows: str = ""
    timings: harness.Timings = field(default_factory=harness.Timings)
    error: str = ""


def scenarios(this_year: int) -> list[Scenario]:
    return [
        Scenario("list", "unfiltered, page 1"),
        Scenario(
            "filter",
            "status + category filter",
            "status__exact=verified&category__exact=hardship_worker",
        ),
        Scenario("search", "search by exact ID number"),
        Scenario("not_reviewed", f"not reviewed in {this_year}"),
        Scenario("page50", "unfiltered, page 50", "p=50"),
        # Not in the default set: a text search (name or phone) over the whole scope.
        Scenario("name", "search by full name"),
    ]


DEFAULT_SCENARIOS = "list,filter,search,not_reviewed,page50"


def case_in_scope(user):
    """A generated case from the middle of those this user may see."""
    from django.db.models import Max, Min

    from cases.models import Case

    visible = Case.objects.for_user(user).filter(notes__startswith=generate_cases.MARKER)
    bounds = visible.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        raise LookupError(f"{user.username} sees no generated case to search for")
    middle = (bounds["low"] + bounds["high"]) // 2
    return visible.filter(pk__lte=middle).order_by("-pk")[0]


def not_reviewed_query(case_admin, request) -> str:
    """The changelist query string of CaseAdmin's "not reviewed this year" filter."""
    from django.contrib import admin

    from cases.models import Case

    for spec in case_admin.get_list_filter(request):
        if isinstance(spec, type) and issubclass(spec, admin.SimpleListFilter):
            instance = spec(request, {}, Case, case_admin)
            text = f"{spec.parameter_name} {instance.title}".lower()
            for value, label in instance.lookup_choices:
                both = f"{text} {value} {label}".lower()
                if ("review" in both or "复核" in both) and (
                    "not" in both or "未" in both or "overdue" in both
                ):
                    return f"{spec.parameter_name}={value}"
    raise LookupError("CaseAdmin has no list filter for cases not reviewed this year")


def measure(client, url: str, runs: int, result: Measurement) -> None:
    from django.test.utils import setup_test_environment, teardown_test_environment

    # Warm-up, instrumented so the response carries its template context (row counts);
    # the instrumentation is switched off again before the timed runs.
    setup_test_environment(debug=True)
    try:
        response = client.get(url)
    finally:
        teardown_test_environment()
    result.status = response.status_code
    if response.status_code != 200:
        result.error = f"HTTP {response.status_code} {response.get('Location', '')}"
        return
    cl = response.context["cl"] if response.context else None
    if cl is not None:
        # As the page shows it: CaseAdmin's paginator caps or estimates big counts.
        label = getattr(cl.paginator, "count_label", None)
        result.rows = label if label is not None else f"{cl.result_count:,}"
        if cl.full_result_count is not None and cl.full_result_count != cl.result_count:
            result.rows += f" of {cl.full_result_count:,}"
    for _ in range(runs):
        response = harness.time_queries(lambda: client.get(url), result.timings)
        if response.status_code != 200:
            result.error = f"HTTP {response.status_code} on a timed run"
            return


def table(results: list[Measurement]) -> str:
    headers = ["cases:", "user", "scenario", "rows:", "median ms:", "min ms:", "queries:",
               "SQL ms (median):"]  # fmt: skip
    rows = []
    for r in results:
        if r.error:
            rows.append([f"{r.size:,}", r.user, r.scenario.label, "—", r.error, "", "", ""])
            continue
        t = r.timings
        rows.append(
            [f"{r.size:,}", r.user, r.scenario.label, r.rows, f"{t.median_ms():,.0f}",
             f"{t.min_ms():,.0f}", t.query_counts(), f"{t.median_db_ms():,.0f}"]
        )  # fmt: skip
    return harness.markdown_table(headers, rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000", help="comma-separated case counts")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per scenario")
    parser.add_argument("--users", default=",".join(DEFAULT_USERS))
    parser.add_argument(
        "--scenarios",
        default=DEFAULT_SCENARIOS,
        help="comma-separated scenario keys (default: %(default)s; also: name)",
    )
    parser.add_argument(
        "--no-generate", action="store_true", help="measure the data as it is (no top-up)"
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print EXPLAIN ANALYZE of the slowest queries of each scenario",
    )
    parser.add_argument("--jobs", type=int, default=None, help="generator processes")
    parser.add_argument(
        "--force", action="store_true", help="allow a database without 'bench' in its name"
    )
    parser.add_argument("--output", help="also write the Markdown report to this file")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]

    generate_cases.bootstrap()
    from django.conf import settings
    from django.contrib import admin
    from django.test import Client, RequestFactory
    from django.utils import timezone

    from cases.models import Case
    from unions.models import User

    settings.ALLOWED_HOSTS.append("testserver")
    database = harness.check_database(args.force)
    report = [
        f"# Changelist benchmark, {timezone.localdate()}",
        "",
        f"- machine: {harness.machine()}",
        f"- database: {harness.describe_database()} ({database})",
        f"- Django {__import__('django').get_version()}, DEBUG={settings.DEBUG}, "
        f"{args.runs} timed runs after 1 warm-up, times in ms",
        f"- load average at start: {harness.load_average()}",
        "",
    ]
    print("\n".join(report), flush=True)

    results: list[Measurement] = []
    wanted = {key.strip() for key in args.scenarios.split(",") if key.strip()}
    for size in sizes:
        if not args.no_generate:
            outcome = generate_cases.generate(size, jobs=args.jobs)
            if outcome["created"]:
                rate = outcome["created"] / outcome["seconds"]
                line = (
                    f"- generated {outcome['created']:,} cases in {outcome['seconds']:.1f} s "
                    f"({rate:,.0f} rows/s)"
                )
                report.append(line)
                print(line, flush=True)
            generate_cases.analyze()
        generated = generate_cases.generated_cases().count()
        total = Case.objects.count()
        line = f"- {size:,}: {generated:,} generated cases ({total:,} cases in all)"
        report.append(line)
        print(line, flush=True)

        case_admin = admin.site._registry.get(Case)
        if case_admin is None:
            raise SystemExit("Case is not registered with the admin (cases/admin.py).")
        for username in [u.strip() for u in args.users.split(",") if u.strip()]:
            user = User.objects.get(username=username)
            client = Client()
            client.force_login(user)
            request = RequestFactory().get(CHANGELIST)
            request.user = user
            for scenario in scenarios(timezone.localdate().year):
                if scenario.key not in wanted:
                    continue
                result = Measurement(size, username, scenario)
                results.append(result)
                try:
                    if scenario.key == "search":
                        scenario.query = f"q={case_in_scope(user).id_number}"
                    elif scenario.key == "name":
                        scenario.query = urlencode({"q": case_in_scope(user).name})
                    elif scenario.key == "not_reviewed":
                        scenario.query = not_reviewed_query(case_admin, request)
                except LookupError as error:
                    result.error = str(error)
                    continue
                url = CHANGELIST + (f"?{scenario.query}" if scenario.query else "")
                measure(client, url, args.runs, result)
                if result.error:
                    print(f"  {username:<14} {scenario.label:<28} {result.error}", flush=True)
                    continue
                print(
                    f"  {username:<14} {scenario.label:<28} rows {result.rows:<20} "
                    f"median {result.timings.median_ms():7.0f} ms  "
                    f"{result.timings.queries[-1]:3d} queries  "
                    f"SQL {result.timings.median_db_ms():6.0f} ms  ({url})",
                    flush=True,
                )
                if args.explain:
                    harness.print_explained(result.timings.slowest)

    report += [f"- load average at end: {harness.load_average()}", "", table(results)]
    print("\n" + table(results))
    harness.write_report(args.output, report)


if __name__ == "__main__":
    main()
