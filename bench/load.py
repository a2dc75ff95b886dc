"""Load benchmark: logged-in users at once against gunicorn on 127.0.0.1; prints figures only.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relief_bench \\
        .venv/bin/python -m bench.load [--users 1,10,25,50] [--seconds 30] [--workers 3]

Starts gunicorn (sync workers, ``--workers``) on the configured database on a free
loopback port, logs in the demo users (``loaddemo``/``unions.demo`` makes them;
``--password``), then runs the mix of issue 16 with locust, used as a library (no web
UI, no master): district clerks and heads open the dashboard, the case list, a list
filtered by status and category, a name search (a name in their scope), a case page (a
case in their scope) and the disbursement list; one user in four is city_auditor, who also
opens the summary and the audit page. Each step (``--users``, e.g. 1, 10, 25, 50
concurrent users) runs for ``--seconds`` or ``--max-requests`` requests, whichever comes
first.

With no think time (the default) every user asks for the next page the moment the last
one arrives: that measures what the site can serve (requests/s at saturation), and by
Little's law the mean time a request takes is then users / requests-per-second whatever
the server does (50 users at 26 requests/s wait 1.9 s). ``--think S`` makes each user
pause S seconds after each page, as a clerk reading it does: 50 users with 1.5 s offer
about 25 requests/s, and the times are then the site's own.

Per step it prints requests/s, p50, p95, p99 and errors per page and in all, and the CPU
split: CPU seconds used by the gunicorn processes and by the database (the PostgreSQL
backends serving this database, sampled every second so that short-lived backends count;
on SQLite the database runs inside the workers, so all of it is "web"). Other work on the
machine is not in either figure but does slow the requests: the load average is printed.

Only 127.0.0.1 is ever targeted. gunicorn runs with DEBUG off, as in production, from
``bench.load_settings`` (the project's settings with cookies allowed over plain HTTP on
loopback). Without ``DATABASE_URL`` it uses bench/data/bench.sqlite3 (fill it with
``python -m bench.generate_cases``); nothing is written to the database but sessions.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from typing import Any

from bench import generate_cases, harness

HOST = "127.0.0.1"
DISTRICT_USERS = [
    f"{district}_{role}"
    for district in ("kunshan", "wuzhong", "jinchang", "gongtou")
    for role in ("clerk", "head")
]
CITY_USER = "city_auditor"
DISTRICT_PAGES = ["dashboard", "case list", "filtered list", "name search", "case page",
                  "disbursement list"]  # fmt: skip
CITY_PAGES = [*DISTRICT_PAGES, "summary", "audit"]


# --- what each user opens (found through Django, in a child process) ---------------------


def targets(users: list[str]) -> dict[str, dict[str, str]]:
    """Per user, the URL of each page of the mix: a name and a case in their scope."""
    from urllib.parse import urlencode

    from django.db.models import Max, Min
    from django.urls import reverse

    from cases.models import Case
    from unions.models import User

    changelist = reverse("admin:cases_case_changelist")
    out = {}
    for username in users:
        user = User.objects.get(username=username)
        visible = Case.objects.for_user(user)
        bounds = visible.aggregate(low=Min("pk"), high=Max("pk"))
        if bounds["low"] is None:
            raise SystemExit(f"{username} sees no case: generate some first")
        middle = (bounds["low"] + bounds["high"]) // 2
        case = visible.filter(pk__lte=middle).order_by("-pk").first() or visible.first()
        pages = {
            "dashboard": reverse("admin:index"),
            "case list": changelist,
            "filtered list": changelist
            + "?status__exact=verified&category__exact=hardship_worker",
            "name search": changelist + "?" + urlencode({"q": case.name}),
            "case page": reverse("admin:cases_case_change", args=[case.pk]),
            "disbursement list": reverse("admin:funds_disbursement_changelist"),
        }
        if username == CITY_USER:
            pages["summary"] = reverse("admin:reports_summary")
            pages["audit"] = reverse("admin:reports_audit")
        out[username] = pages
    return out


def step_targets(args: argparse.Namespace) -> None:
    generate_cases.bootstrap()
    print(json.dumps(targets(args.login_users.split(","))))


# --- gunicorn -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(workers: int, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.load_settings",
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key"),
        "ALLOWED_HOSTS": HOST,
        # whitenoise warns once per worker that collectstatic has not run: no static
        # file is requested here.
        "PYTHONWARNINGS": "ignore:No directory at:UserWarning",
    }
    command = [sys.executable, "-m", "gunicorn", "reliefsite.wsgi:application",
               "--bind", f"{HOST}:{port}", "--workers", str(workers), "--worker-class", "sync",
               "--timeout", "120", "--log-level", "warning"]  # fmt: skip
    server = subprocess.Popen(command, cwd=harness.ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("gunicorn did not start listening within 60 s")


# --- CPU split -------------------------------------------------------------------------------


class CpuMeter:
    """CPU seconds of gunicorn's processes and of the database's, by pid, sampled.

    The latest CPU time of every process seen is kept, so a PostgreSQL backend that ends
    between two samples still counts up to its last sample.
    """

    def __init__(self, server_pid: int, database: str | None) -> None:
        self.server_pid = server_pid
        self.database = database  # a PostgreSQL database name, or None for SQLite
        self.seen: dict[tuple[str, int], float] = {}

    def _processes(self) -> list[tuple[str, Any]]:
        import psutil

        found = []
        try:
            master = psutil.Process(self.server_pid)
            found.append(("web", master))
            found += [("web", p) for p in master.children(recursive=True)]
        except psutil.NoSuchProcess:
            pass
        if self.database:
            for proc in psutil.process_iter(["name", "cmdline"]):
                cmdline = " ".join(proc.info["cmdline"] or [])
                # A backend's title: "postgres: <user> <database> <client> <state>".
                if (proc.info["name"] or "").startswith("postgres") and (
                    f" {self.database} " in f"{cmdline} "
                ):
                    found.append(("database", proc))
        return found

    def sample(self) -> None:
        import psutil

        for side, proc in self._processes():
            try:
                times = proc.cpu_times()
            except psutil.Error:
                continue
            self.seen[(side, proc.pid)] = times.user + times.system

    def totals(self) -> dict[str, float]:
        out = {"web": 0.0, "database": 0.0}
        for (side, _pid), seconds in self.seen.items():
            out[side] += seconds
        return out


# --- the load ---------------------------------------------------------------------------------


def run_steps(args: argparse.Namespace, base_url: str, pages: dict, meter: CpuMeter) -> None:
    # locust patches the standard library for gevent on import: only here, in the
    # process that drives the load, after Django has been left to the child processes.
    import gevent
    from locust import HttpUser, constant, events, task
    from locust.env import Environment

    password = args.password
    think = args.think
    assignments: list[str] = []
    logged_in: list[str] = []

    class ReliefUser(HttpUser):
        host = base_url
        wait_time = constant(0)

        def on_start(self) -> None:
            # Users get names in turn: one in four is the city auditor.
            number = len(assignments)
            if number % 4 == 3:
                self.username = CITY_USER
            else:
                self.username = DISTRICT_USERS[(number - number // 4) % len(DISTRICT_USERS)]
            assignments.append(self.username)
            self.pages = pages[self.username]
            login = self.client.get("/admin/login/", name="login")
            token = login.text.split('name="csrfmiddlewaretoken" value="', 1)[-1].split('"')[0]
            with self.client.post(
                "/admin/login/?next=/admin/",
                data={"username": self.username, "password": password,
                      "csrfmiddlewaretoken": token, "next": "/admin/"},
                headers={"Referer": base_url + "/admin/login/"},
                name="login", catch_response=True,
            ) as response:  # fmt: skip
                if "/admin/login/" in response.url:
                    response.failure(f"login failed for {self.username}")
            logged_in.append(self.username)

        @task
        def open_pages(self) -> None:
            for name, url in self.pages.items():
                with self.client.get(url, name=name, catch_response=True) as response:
                    if response.status_code != 200 or "/admin/login/" in response.url:
                        response.failure(f"HTTP {response.status_code} at {response.url}")
                if think:
                    gevent.sleep(think)

    rows: list[list] = []
    # A fresh gunicorn's first minute costs more per request (templates compiled, pages
    # of the tables read into memory): an unreported warm-up step goes first.
    warm_up = [(min(10, max(args.users)), args.warmup, False)] if args.warmup else []
    for users, seconds, reported in [*warm_up, *((n, args.seconds, True) for n in args.users)]:
        assignments.clear()
        logged_in.clear()
        environment = Environment(user_classes=[ReliefUser], events=events)
        runner = environment.create_local_runner()
        runner.start(users, spawn_rate=max(users, 1))
        # Let the logins finish (password hashing is slow on purpose), then count from 0.
        while len(logged_in) < users:
            gevent.sleep(0.1)
        login_errors = environment.stats.total.num_failures
        if login_errors:
            print(f"  ! {login_errors} login(s) failed: check --password and loaddemo")
        gevent.sleep(1)
        environment.stats.reset_all()
        meter.seen.clear()
        meter.sample()
        before = meter.totals()
        load_before = harness.load_average()
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            gevent.sleep(1)
            meter.sample()
            if environment.stats.total.num_requests >= args.max_requests:
                break
        meter.sample()
        elapsed = time.monotonic() - started
        runner.quit()
        after = meter.totals()
        cpu = {side: after[side] - before[side] for side in after}
        if not reported:
            print(f"\nwarm-up: {users} users for {seconds:g} s (not reported)")
            continue
        rows += report_step(users, elapsed, environment.stats, cpu, load_before, meter.database)
    print("\n" + harness.markdown_table(
        ["users:", "page", "requests:", "req/s:", "p50 ms:", "p95 ms:", "p99 ms:", "errors:"],
        rows,
    ))  # fmt: skip


def report_step(
    users: int, elapsed: float, stats: Any, cpu: dict, load: str, meter_database: str | None
) -> list[list]:
    rows = []
    entries = sorted(stats.entries.values(), key=lambda e: CITY_PAGES.index(e.name)
                     if e.name in CITY_PAGES else 99)  # fmt: skip
    print(f"\n{users} users, {elapsed:.0f} s, load average {load} at start")
    for entry in [*entries, stats.total]:
        name = "all" if entry is stats.total else entry.name
        if entry.name == "login":
            continue
        row = [
            users,
            name,
            f"{entry.num_requests:,}",
            f"{entry.num_requests / elapsed:.1f}",
            f"{entry.get_response_time_percentile(0.50):,.0f}",
            f"{entry.get_response_time_percentile(0.95):,.0f}",
            f"{entry.get_response_time_percentile(0.99):,.0f}",
            f"{entry.num_failures:,}",
        ]
        rows.append(row)
        print("  {1:<18} {2:>7} req  {3:>6} req/s  p50 {4:>6} ms  p95 {5:>6} ms  "
              "p99 {6:>6} ms  {7:>4} errors".format(*row))  # fmt: skip
    for error in list(stats.errors.values())[:5]:
        print(f"  ! {error.occurrences}× {error.name}: {error.error}"[:300])
    cpu_note = "" if meter_database else " (SQLite: the database works inside the workers)"
    both = cpu["web"] + cpu["database"]
    share = (lambda s: f"{100 * s / both:.0f}%") if both else (lambda s: "—")
    print(
        f"  CPU: web (gunicorn) {cpu['web']:.1f} s ({share(cpu['web'])}), "
        f"database {cpu['database']:.1f} s ({share(cpu['database'])}) over {elapsed:.0f} s"
        + cpu_note
    )
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--users",
        default="1,10,25,50",
        type=lambda text: [int(n) for n in text.split(",") if n.strip()],
        help="comma-separated concurrent users, one step each (default: %(default)s)",
    )
    parser.add_argument("--seconds", type=float, default=30, help="length of each step")
    parser.add_argument(
        "--max-requests", type=int, default=100_000, help="end a step after this many requests"
    )
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument(
        "--think", type=float, default=0, help="seconds each user waits after each page"
    )
    parser.add_argument(
        "--warmup", type=float, default=20, help="seconds of an unreported first step (0: none)"
    )
    parser.add_argument("--password", default=harness.DEMO_PASSWORD, help="the demo users'")
    parser.add_argument("--step", choices=["targets"], help=argparse.SUPPRESS)
    parser.add_argument("--login-users", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step == "targets":
        return step_targets(args)

    os.environ.setdefault("DATABASE_URL", generate_cases.DEFAULT_DATABASE_URL)
    url = os.environ["DATABASE_URL"]
    database = url.rsplit("/", 1)[-1].split("?")[0] if url.startswith("postgres") else None
    found = subprocess.run(
        [sys.executable, "-m", "bench.load", "--step", "targets",
         "--login-users", ",".join([*DISTRICT_USERS, CITY_USER])],
        capture_output=True, text=True, cwd=harness.ROOT,
    )  # fmt: skip
    if found.returncode:
        raise SystemExit(f"could not look up the pages:\n{found.stdout}\n{found.stderr}")
    pages = json.loads(found.stdout.strip().splitlines()[-1])

    port = free_port()
    print(
        f"{'PostgreSQL ' + database if database else 'SQLite'}, gunicorn {args.workers} sync "
        f"workers on {HOST}:{port}, {harness.machine()}, load average "
        f"{harness.load_average()}; steps of {args.seconds:g} s or {args.max_requests:,} "
        f"requests; think time {args.think:g} s"
    )
    server = start_gunicorn(args.workers, port)
    try:
        run_steps(args, f"http://{HOST}:{port}", pages, CpuMeter(server.pid, database))
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
