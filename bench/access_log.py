"""What the access log (issue 13 part 5) costs the case list and the case page; prints
figures only.

    DEBUG=1 .venv/bin/python -m bench.access_log --size 100000 [--runs 9]

The database (bench/data/bench.sqlite3 unless DATABASE_URL says otherwise) is topped up
to ``--size`` generated cases (bench.generate_cases). Each page is requested as
``kunshan_clerk`` (a role that sees full ID numbers, so its case pages are logged) with
logging on and with ``record_access`` replaced by a no-op, alternating the two so that
the machine's load hits both alike: one warm-up each, then ``--runs`` timed requests.
"""

from __future__ import annotations

import argparse
from contextlib import contextmanager, nullcontext
from unittest import mock

from bench import generate_cases, harness
from bench.run import Scenario, case_in_scope

USER = "kunshan_clerk"


@contextmanager
def logging_off():
    """The pages exactly as before the access log: no record and no limit count."""
    with (
        mock.patch("cases.accesslog.record_access"),
        mock.patch("cases.idsearch.record_access"),
        mock.patch("cases.idsearch.id_searches_left", return_value=10**6),
    ):
        yield


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)

    generate_cases.bootstrap()
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from unions.models import User

    settings.ALLOWED_HOSTS.append("testserver")
    database = harness.check_database(args.force)
    generate_cases.generate(args.size)
    user = User.objects.get(username=USER)
    case = case_in_scope(user)
    client = Client()
    client.force_login(user)
    # The token an ID search redirects to: the timed page is the list it shows.
    search = client.get("/admin/cases/case/", {"q": case.id_number})["Location"]
    pages = [
        Scenario("list", "case list, page 1", "/admin/cases/case/"),
        Scenario("search", "case list, search by whole ID number", search),
        Scenario("change", "case page (change view)", f"/admin/cases/case/{case.pk}/change/"),
    ]
    print(f"# Access-log cost, {timezone.localdate()}, {args.size:,} cases")
    print(f"- machine: {harness.machine()}; database: {harness.describe_database()} ({database})")
    print(f"- {USER}, {args.runs} timed runs after 1 warm-up, times in ms")
    rows = []
    for page in pages:
        on, off = harness.Timings(), harness.Timings()
        for switch in (nullcontext, logging_off):
            with switch():
                assert client.get(page.query).status_code == 200, page.query  # warm-up
        for _ in range(args.runs):
            harness.time_queries(lambda url=page.query: client.get(url), on)
            with logging_off():
                harness.time_queries(lambda url=page.query: client.get(url), off)
        change = on.median_ms() / off.median_ms() - 1
        rows.append(
            [page.label, f"{off.median_ms():,.1f}", f"{on.median_ms():,.1f}",
             f"{change:+.0%}", f"{off.query_counts()} → {on.query_counts()}"]
        )  # fmt: skip
    print(harness.markdown_table(
        ["page", "without log (median ms)", "with log", "change", "queries"], rows
    ))  # fmt: skip


if __name__ == "__main__":
    main()
