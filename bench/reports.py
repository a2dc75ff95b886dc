"""Time the reports on generated data: summary, audit, dashboard; prints figures only.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relief_bench DEBUG=1 \\
        .venv/bin/python -m bench.reports --cases 1000000 --disbursements 5000000

``--cases``/``--disbursements`` first top the database up with bench.generate_cases
and bench.generate_disbursements (incremental; without them the data is measured as
it is). Then each scenario runs once to warm up and ``--runs`` times more, timed:

- the summary report for one year (``--year``, default last year) by unit and by
  unit and category, built as the page and ``reliefreport`` build it
  (``reports.views.report_queryset`` → ``reports.filters`` → ``reports.selectors``),
  as city_auditor and as one district user (``--district-user``);
- the summary page and its .xlsx download, whole requests through ``django.test.Client``;
- the audit's duplicate-ID rule (``reports.audit``: the per-district counts, then the
  listing the page shows) and the audit page, with and without that listing;
- the dashboard (the admin index) and the year's Spring Festival bulletin.

The table gives the median and fastest wall time, the number of SQL queries (counted
with ``CaptureQueriesContext``) and the median time spent in them. ``--explain`` prints
EXPLAIN ANALYZE of each scenario's slowest queries. Targets (issue 7): the summary for a
year by unit and category under 2 s, the duplicate-ID rule under 5 s, a constant number
of queries per page; they are printed next to the figures, never asserted.

Without ``DATABASE_URL`` the data lives in bench/data/bench.sqlite3.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from bench import generate_cases, generate_disbursements, harness

CITY_USER = "city_auditor"
DISTRICT_USER = "kunshan_clerk"
SUMMARY_TARGET_MS = 2000
DUPLICATES_TARGET_MS = 5000
# Issue 16, one request at a time at city scale.
LIST_TARGET_MS = 150
DASHBOARD_TARGET_MS = 100
SUMMARY_PAGE_TARGET_MS = 300
AUDIT_TARGET_MS = 500
SEARCH_TARGET_MS = 150


@dataclass
class Measurement:
    key: str
    label: str
    user: str
    target_ms: float | None = None
    rows: str = ""
    timings: harness.Timings = field(default_factory=harness.Timings)
    error: str = ""

    def verdict(self) -> str:
        if self.target_ms is None:
            return ""
        met = self.timings.median_ms() <= self.target_ms
        return f"≤ {self.target_ms:g} ms: {'met' if met else 'MISSED'}"


def timed(result: Measurement, action: Callable[[], str], runs: int) -> None:
    """One warm-up call of ``action`` (which returns a row description), then ``runs``."""
    try:
        result.rows = action()
        for _ in range(runs):
            harness.time_queries(action, result.timings)
    except Exception as error:  # a benchmark reports, it does not stop
        result.error = f"{type(error).__name__}: {error}"[:200]


def summary_action(user, year: int, by: str) -> Callable[[], str]:
    """The summary exactly as the page and the CLI build it."""
    from reports.selectors import summary
    from reports.views import report_queryset

    params = {"date_from": f"{year}-01-01", "date_to": f"{year}-12-31"}

    def action() -> str:
        filterset = report_queryset(user, params)
        if not filterset.is_valid():
            raise ValueError(filterset.errors)
        result = summary(filterset.qs, by)
        return f"{len(result.rows)} rows, {result.total.disbursements:,} disb."

    return action


def page_action(client, url: str, content_type: str = "text/html") -> Callable[[], str]:
    def action() -> str:
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code} {response.get('Location', '')}")
        if not response["Content-Type"].startswith(content_type):
            raise RuntimeError(f"got {response['Content-Type']}")
        return f"{len(response.content) / 1024:,.0f} KiB"

    return action


def duplicates_counts_action(user) -> Callable[[], str]:
    from reports import audit

    rule = audit.RULES_BY_CODE["duplicates"]

    def action() -> str:
        return f"{sum(audit.counts(rule, user).values()):,} findings"

    return action


def duplicates_listing_action(user) -> Callable[[], str]:
    from reports import audit

    rule = audit.RULES_BY_CODE["duplicates"]

    def action() -> str:
        return f"{len(audit.findings(rule, user)):,} listed"

    return action


def bulletin_url(user, year: int) -> str:
    from django.urls import reverse

    from cases.models import Campaign

    campaign = (
        Campaign.objects.for_user(user).filter(name=f"{year}年春节送温暖").first()
        or Campaign.objects.for_user(user).filter(starts_on__year=year).first()
    )
    if campaign is None:
        raise LookupError(f"no campaign in {year} for {user.username}")
    return reverse("admin:reports_bulletin", args=[campaign.pk])


def short_name(user) -> str:
    """A two-character name in ``user``'s scope (the search issue 16 measures)."""
    from django.db.models.functions import Length

    from cases.models import Case

    found = (
        Case.objects.for_user(user)
        .annotate(length=Length("name"))
        .filter(length=2)
        .values_list("name", flat=True)
        .first()
    )
    if found is None:
        raise LookupError(f"no two-character name in {user.username}'s scope")
    return found


def scenarios(users: dict, year: int, clients: dict) -> list[tuple[Measurement, Callable]]:
    from django.urls import reverse

    # Imported here: Django is set up by main() (bench.harness), after this module loads.
    from reports.permissions import RUN_AUDIT

    summary_url = reverse("admin:reports_summary")
    audit_url = reverse("admin:reports_audit")
    index_url = reverse("admin:index")
    year_query = {"date_from": f"{year}-01-01", "date_to": f"{year}-12-31"}
    out: list[tuple[Measurement, Callable]] = []
    disbursements_url = reverse("admin:funds_disbursement_changelist")
    cases_url = reverse("admin:cases_case_changelist")
    for name, user in users.items():
        client = clients[name]
        out += [
            (
                Measurement("disbursement_list", "disbursement list", name, LIST_TARGET_MS),
                page_action(client, disbursements_url),
            ),
            (
                Measurement(
                    "summary_all",
                    "summary page, all years, by unit",
                    name,
                    SUMMARY_PAGE_TARGET_MS,
                ),
                page_action(client, summary_url),
            ),
        ]
        try:
            search = short_name(user)
            out.append(
                (
                    Measurement(
                        "name_search",
                        f"case list, search {search} (2 chars)",
                        name,
                        SEARCH_TARGET_MS,
                    ),
                    page_action(client, cases_url + "?" + urlencode({"q": search})),
                )
            )
        except LookupError as error:
            out.append((Measurement("name_search", "name search", name, error=str(error)), None))
        out += [
            (
                Measurement("summary_unit", f"summary {year} by unit", name),
                summary_action(user, year, "unit"),
            ),
            (
                Measurement(
                    "summary_unit_category",
                    f"summary {year} by unit, category",
                    name,
                    SUMMARY_TARGET_MS,
                ),
                summary_action(user, year, "unit,category"),
            ),
            (
                Measurement("summary_page", f"summary page {year} by unit, category", name),
                page_action(
                    client, summary_url + "?" + urlencode({**year_query, "by": "unit,category"})
                ),
            ),
            (
                Measurement("summary_xlsx", f"summary .xlsx {year} by unit, category", name),
                page_action(
                    client,
                    summary_url
                    + "?"
                    + urlencode({**year_query, "by": "unit,category", "format": "xlsx"}),
                    "application/vnd.openxmlformats",
                ),
            ),
        ]
        if user.has_perm(RUN_AUDIT):
            out += [
                (
                    Measurement(
                        "duplicates", "duplicate-ID rule: counts", name, DUPLICATES_TARGET_MS
                    ),
                    duplicates_counts_action(user),
                ),
                (
                    Measurement("duplicates_list", "duplicate-ID rule: listing (200)", name),
                    duplicates_listing_action(user),
                ),
                (
                    Measurement("audit_page", "audit page", name, AUDIT_TARGET_MS),
                    page_action(client, audit_url),
                ),
                (
                    Measurement("audit_duplicates", "audit page, duplicate-ID listing", name),
                    page_action(client, audit_url + "?rule=duplicates"),
                ),
            ]
        out.append(
            (
                Measurement("dashboard", "dashboard (admin index)", name, DASHBOARD_TARGET_MS),
                page_action(client, index_url),
            )
        )
        try:
            out.append(
                (
                    Measurement("bulletin", f"bulletin, {year} Spring Festival", name),
                    page_action(client, bulletin_url(user, year)),
                )
            )
        except LookupError as error:
            out.append((Measurement("bulletin", "bulletin", name, error=str(error)), None))
    return out


def table(results: list[Measurement]) -> str:
    headers = ["scenario", "user", "result", "median ms:", "min ms:", "queries:",
               "SQL ms (median):", "target"]  # fmt: skip
    rows = []
    for r in results:
        if r.error:
            rows.append([r.label, r.user, "—", r.error, "", "", "", ""])
            continue
        t = r.timings
        rows.append(
            [r.label, r.user, r.rows, f"{t.median_ms():,.0f}", f"{t.min_ms():,.0f}",
             t.query_counts(), f"{t.median_db_ms():,.0f}", r.verdict()]
        )  # fmt: skip
    return harness.markdown_table(headers, rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, help="top up to this many generated cases first")
    parser.add_argument(
        "--disbursements", type=int, help="top up to this many generated disbursements first"
    )
    parser.add_argument("--year", type=int, help="the report year (default: last year)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per scenario")
    parser.add_argument("--district-user", default=DISTRICT_USER)
    parser.add_argument(
        "--only", help="comma-separated scenario keys, e.g. summary_unit_category,duplicates"
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

    generate_cases.bootstrap()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings
    from django.utils import timezone

    from cases.models import Case, HouseholdMember
    from funds.models import Disbursement
    from unions.models import User

    settings.ALLOWED_HOSTS.append("testserver")
    database = harness.check_database(args.force)
    if args.cases:
        generate_cases.generate(args.cases, jobs=args.jobs)
        generate_cases.analyze()
    if args.disbursements:
        outcome = generate_disbursements.generate(args.disbursements, jobs=args.jobs)
        if outcome["created"] or outcome["members"]:
            generate_disbursements.analyze()
    year = args.year or timezone.localdate().year - 1
    counts = {
        "cases": Case.objects.count(),
        "household members": HouseholdMember.objects.count(),
        "disbursements": Disbursement.objects.count(),
        f"disbursements in {year}": Disbursement.objects.filter(disbursed_on__year=year).count(),
    }
    report = [
        f"# Reports benchmark, {timezone.localdate()}",
        "",
        f"- machine: {harness.machine()}",
        f"- database: {harness.describe_database()} ({database})",
        f"- Django {__import__('django').get_version()}, DEBUG off while timing, "
        f"{args.runs} timed runs after 1 warm-up, times in ms",
        "- " + ", ".join(f"{n:,} {what}" for what, n in counts.items()),
        f"- load average at start: {harness.load_average()}",
        "",
    ]
    print("\n".join(report), flush=True)

    users = {name: User.objects.get(username=name) for name in (CITY_USER, args.district_user)}
    clients = {}
    for name, user in users.items():
        clients[name] = Client()
        clients[name].force_login(user)
    wanted = {key.strip() for key in (args.only or "").split(",") if key.strip()}
    results = []
    # DEBUG off while timing (as in production); CaptureQueriesContext still counts.
    with override_settings(DEBUG=False):
        for result, action in scenarios(users, year, clients):
            if wanted and result.key not in wanted:
                continue
            results.append(result)
            if action is not None:
                timed(result, action, args.runs)
            if result.error:
                print(f"  {result.user:<14} {result.label:<40} {result.error}", flush=True)
                continue
            print(
                f"  {result.user:<14} {result.label:<40} {result.rows:<26} "
                f"median {result.timings.median_ms():7.0f} ms  "
                f"{result.timings.queries[-1]:3d} queries  "
                f"SQL {result.timings.median_db_ms():6.0f} ms  {result.verdict()}",
                flush=True,
            )
            if args.explain:
                harness.print_explained(result.timings.slowest)

    report += [f"- load average at end: {harness.load_average()}", "", table(results)]
    print("\n" + table(results))
    harness.write_report(args.output, report)


if __name__ == "__main__":
    main()
