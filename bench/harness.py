"""What every benchmark script shares: Django set-up on a benchmark database, timing,
medians and percentiles, Markdown tables, one step per child process, generator pools.

The scripts run as modules from the project root (``python -m bench.<script>``), so
they import this one as ``from bench import harness`` and never edit ``sys.path``.
Nothing here asserts a figure: the scripts print them.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "bench" / "data"
DEMO_PASSWORD = "relief2007"


# --- Django on a benchmark database ------------------------------------------------------


def setup_django(default_database_url: str, *, debug: str | None = None) -> None:
    """Configure Django from the project root, on ``DATABASE_URL`` or the given default.

    ``debug`` forces DEBUG (the import steps run with "0": DEBUG would keep every
    query's SQL in memory); without it DEBUG defaults to "1" like ``make bench``.
    """
    os.chdir(ROOT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reliefsite.settings")
    if debug is None:
        os.environ.setdefault("DEBUG", "1")
    else:
        os.environ["DEBUG"] = debug
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    if not os.environ.get("DATABASE_URL"):
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        os.environ["DATABASE_URL"] = default_database_url
    import django

    django.setup()


def refuse_unless_bench(name: str, force: bool, doing: str = "write benchmark data into") -> None:
    """Benchmarks empty or fill databases: only those named for it, unless forced."""
    if "bench" not in name.lower() and not force:
        raise SystemExit(
            f"Refusing to {doing} {name!r}: its name does not contain 'bench'. "
            "Point DATABASE_URL at a benchmark database or pass --force."
        )


def database_url_name(default_database_url: str) -> str:
    """The database's name from ``DATABASE_URL`` (before Django is set up)."""
    return os.environ.get("DATABASE_URL", default_database_url).rsplit("/", 1)[-1]


def check_database(force: bool) -> str:
    """A one-line description of Django's database; refuse non-benchmark ones."""
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    refuse_unless_bench(name, force)
    return f"{connection.vendor} {name}"


# --- the machine and the database, as the reports describe them --------------------------


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores {model}".strip() + f", Python {platform.python_version()}"


def load_average() -> str:
    """The 1-minute load average: other work on the machine skews the timings."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "?"


def describe_database() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
            cursor.execute("SHOW shared_buffers")
            return f"PostgreSQL {version} (shared_buffers {cursor.fetchone()[0]})"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())


def print_explained(slowest: Sequence[tuple[float, str]], count: int = 2) -> None:
    for ms, sql in slowest[:count]:
        print(f"\n    -- {ms:.0f} ms: {sql}\n")
        print("    " + explain(sql).replace("\n", "\n    ") + "\n", flush=True)


# --- timing ------------------------------------------------------------------------------


@dataclass
class Timings:
    """Repeated runs of one thing: whole time, time in SQL, queries, slowest queries."""

    wall_ms: list[float] = field(default_factory=list)
    db_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    slowest: list[tuple[float, str]] = field(default_factory=list)

    def median_ms(self) -> float:
        return statistics.median(self.wall_ms)

    def min_ms(self) -> float:
        return min(self.wall_ms)

    def median_db_ms(self) -> float:
        return statistics.median(self.db_ms)

    def query_counts(self) -> str:
        """The distinct query counts seen, "11" or "11/12" when they varied."""
        return "/".join(map(str, sorted(set(self.queries))))


def time_queries(action: Callable[[], Any], into: Timings) -> Any:
    """Run ``action`` once, adding its wall time, SQL time and queries to ``into``."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        outcome = action()
        elapsed = time.perf_counter() - started
    times = [(float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries]
    into.wall_ms.append(elapsed * 1000)
    into.db_ms.append(sum(t for t, _sql in times))
    into.queries.append(len(times))
    into.slowest = sorted(times, key=lambda pair: pair[0], reverse=True)[:3]
    return outcome


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` (0–1) percentile, nearest rank; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[rank]


# --- printing ----------------------------------------------------------------------------


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A Markdown table; a header ending in ":" is right-aligned (figures)."""
    names = [h.removesuffix(":") for h in headers]
    rules = ["---:" if h.endswith(":") else "---" for h in headers]
    lines = ["| " + " | ".join(names) + " |", "|" + "|".join(rules) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def write_report(path: str | None, lines: Sequence[str]) -> None:
    if path:
        Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"\nwritten to {path}")


# --- one step per child process ----------------------------------------------------------


def run_step(step: Callable[[Any], str], args: Any) -> None:
    """In the child: run one step, print its time, CPU and peak memory as JSON.

    A fresh process per step makes the peak memory (``ru_maxrss``) that step's own;
    the CPU excludes Django's start-up.
    """
    usage = resource.getrusage(resource.RUSAGE_SELF)
    startup_cpu = usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    detail = step(args)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak = usage.ru_maxrss / 1024  # KiB on Linux
    cpu = usage.ru_utime + usage.ru_stime - startup_cpu
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mib": peak, "detail": detail}))


def child(module: str, step: str, **options: Any) -> dict[str, Any]:
    """In the parent: ``python -m <module> --step <step> --<option> <value>...``."""
    command = [sys.executable, "-m", module, "--step", step]
    for name, value in options.items():
        command += [f"--{name.replace('_', '-')}", str(value)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"step {step} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def call_command(*args: Any) -> str:
    """A management command's output (its stderr dropped)."""
    import io

    from django.core import management

    out = io.StringIO()
    management.call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


# --- generator pools ---------------------------------------------------------------------


def pooled(work: Callable[[Any], int], tasks: Iterable[Any], jobs: int) -> Iterator[int]:
    """``work(task)`` for each task, in ``jobs`` forked processes (in this one for 1).

    The generators set their module-level state (factories, the loaded world) before
    calling this, so forked workers inherit it; the database connections are closed
    first, as a forked child must not share the parent's socket.
    """
    if jobs == 1:
        for task in tasks:
            yield work(task)
        return
    import multiprocessing

    from django.db import connections

    connections.close_all()
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        yield from pool.imap_unordered(work, tasks)


def default_jobs(jobs: int | None) -> int:
    """Two writers on PostgreSQL unless told otherwise; always one on SQLite."""
    from django.db import connection

    if connection.vendor == "sqlite":
        return 1
    return 2 if jobs is None else jobs


class Progress:
    """Prints "done / target  rows/s  seconds" after each batch of a generator."""

    def __init__(self, present: int, target: int, what: str, log: Callable[[str], Any]) -> None:
        self.present, self.target, self.what, self.log = present, target, what, log
        self.done = 0
        self.started = time.perf_counter()

    def __call__(self, count: int) -> None:
        self.done += count
        elapsed = self.elapsed()
        self.log(
            f"  {self.present + self.done:>10,} / {self.target:,} {self.what}  "
            f"{self.done / elapsed:>8,.0f} rows/s  {elapsed:6.1f} s"
        )

    def elapsed(self) -> float:
        return time.perf_counter() - self.started
