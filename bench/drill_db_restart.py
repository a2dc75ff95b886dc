"""Drill: PostgreSQL restarted while requests and postings run (OPERATIONS.md "Data safety").

    python -m bench.drill_db_restart --i-may-restart-postgresql [--seconds 40]
        [--cluster "15 main"]

Needs DATABASE_URL pointing at a PostgreSQL database whose name contains "bench" (it
loads the demo into it). It starts gunicorn on 127.0.0.1 (sync workers, DEBUG off),
then for ``--seconds``: one thread requests /healthz and the login page in a loop, another
posts cash disbursements through funds.services; half way it runs
``pg_ctlcluster <cluster> restart``. It prints, and checks:

- every failed request was a clean refusal: /healthz 503 JSON, pages the Chinese 503
  page (reliefsite.errors), never a traceback or a hung request;
- requests and postings succeed again after the restart without restarting gunicorn;
- nothing is half-written: every fund's balance is the sum of its ledger, every
  disbursement has its ledger entry, the maintained totals match the raw rows
  (``rebuild_aggregates --check``).

RESTARTING THE CLUSTER CUTS EVERY OTHER USER OF IT (other test runs on this machine):
it refuses to run without --i-may-restart-postgresql. Only 127.0.0.1 is requested; every
loop is bounded in time.
"""

from __future__ import annotations

import argparse
import datetime
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from decimal import Decimal

from bench import harness

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/relief_bench"


def request(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")
    except OSError as error:  # refused while gunicorn's workers reconnect: none expected
        return 0, str(error)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--cluster", default="15 main", help='pg_ctlcluster "VERSION NAME"')
    parser.add_argument("--i-may-restart-postgresql", action="store_true", dest="allowed")
    parser.add_argument("--force", action="store_true", help="a database not named bench")
    args = parser.parse_args()
    if not args.allowed:
        raise SystemExit(
            "This drill restarts the PostgreSQL cluster, cutting every other user of it. "
            "Run it alone on the machine, with --i-may-restart-postgresql."
        )
    harness.refuse_unless_bench(harness.database_url_name(DEFAULT_URL), args.force)
    harness.setup_django(DEFAULT_URL, debug="0")

    from django.core.management import call_command
    from django.db import DatabaseError, close_old_connections, connection

    from bench.load import HOST, free_port, start_gunicorn
    from cases.models import ACTIVE_STATUSES, Case
    from funds.models import Disbursement, DisbursementKind, Fund
    from funds.services import disbursement_post
    from reliefsite.backups import Target, fund_ledger_differences
    from unions.models import User

    if connection.vendor != "postgresql":
        raise SystemExit("The restart drill needs PostgreSQL (DATABASE_URL).")
    call_command("migrate", "--noinput", verbosity=0)
    call_command("loaddemo", "--password", "bench-only", verbosity=0)
    clerk = User.objects.get(username="kunshan_clerk")
    fund = Fund.objects.filter(unit__name="昆山市总工会").order_by("pk").first()
    case = (
        Case.objects.filter(unit__tree_path__startswith=fund.unit.tree_path)
        .filter(status__in=ACTIVE_STATUSES)
        .first()
    )
    if fund is None or case is None:
        raise SystemExit("The demo has no 昆山 fund or case on file to pay.")

    port = free_port()
    server = start_gunicorn(2, port)
    base = f"http://{HOST}:{port}"
    statuses: Counter[str] = Counter()
    unclean: list[str] = []
    postings = Counter[str]()
    stop = threading.Event()

    def requests_loop() -> None:
        while not stop.is_set():
            for path in ("/healthz", "/admin/login/"):
                status, body = request(base + path)
                statuses[f"{path} {status}"] += 1
                clean = status == 200 or (
                    status == 503 and ("服务暂时不可用" in body or '"unavailable"' in body)
                )
                if not clean:
                    unclean.append(f"{path} {status}: {body[:200]}")
            time.sleep(0.05)

    def postings_loop() -> None:
        while not stop.is_set():
            close_old_connections()  # as a request would: a dead connection is replaced
            try:
                disbursement_post(
                    case=case,
                    fund=Fund.objects.get(pk=fund.pk),
                    disbursed_on=datetime.date.today(),
                    kind=DisbursementKind.CONDOLENCE,
                    paying_unit=fund.unit,
                    cash_amount=Decimal("1.00"),
                    acting_user=clerk,
                )
                postings["posted"] += 1
            except DatabaseError as error:
                postings[f"refused: {type(error).__name__}"] += 1
                connection.close()
                time.sleep(0.2)

    threads = [threading.Thread(target=requests_loop), threading.Thread(target=postings_loop)]
    before = Disbursement.objects.count()
    for thread in threads:
        thread.start()
    try:
        time.sleep(args.seconds / 2)
        print(f"restarting PostgreSQL cluster {args.cluster} …", flush=True)
        restarted = time.monotonic()
        subprocess.run(["pg_ctlcluster", *args.cluster.split(), "restart"], check=True)
        print(f"restarted in {time.monotonic() - restarted:.1f} s", flush=True)
        time.sleep(args.seconds / 2)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

    # Service resumed without restarting gunicorn?
    after = [request(base + "/healthz")[0] for _ in range(5)]
    server.terminate()
    server.wait(timeout=30)

    close_old_connections()
    connection.close()
    print("requests:", dict(sorted(statuses.items())))
    print("postings:", dict(postings))
    failures = []
    if unclean:
        failures.append(f"{len(unclean)} unclean failures, e.g. {unclean[0]}")
    if after != [200] * 5:
        failures.append(f"/healthz after the restart: {after}")
    made = Disbursement.objects.count() - before
    if made != postings["posted"]:
        failures.append(f"{postings['posted']} postings reported, {made} disbursements on file")
    if Disbursement.objects.filter(fund__isnull=False, ledger_entry__isnull=True).exists():
        failures.append("a disbursement from a fund without its ledger entry")
    funds = fund_ledger_differences(Target.from_settings(connection.settings_dict))
    if funds:
        failures.append(f"funds whose balance is not their ledger's sum: {funds}")
    try:
        checked = harness.call_command("rebuild_aggregates", "--check")
    except SystemExit:  # --check exits 1 on a difference
        checked = "differences found"
    print("maintained totals:", checked.strip().splitlines()[-1])
    if "0 differences" not in checked:
        failures.append("maintained totals differ")
    for failure in failures:
        print("FAILED:", failure)
    print("drill", "failed" if failures else "passed")
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
