"""Time a case-sheet import as a background job: queued, run by a real worker, watched.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relief_jobs_bench \\
        .venv/bin/python -m bench.import_job [--rows 100000]

The database is emptied and the demo tree reloaded (bench.import_cases' reset: the
name must contain "bench"). ``importsheet --background`` queues the sheet as
kunshan_clerk; ``db_worker --batch`` runs it in a child process whose peak memory is
measured (``getrusage``); the progress file is polled as the job page polls it, and the
stages seen are printed with the time each was first seen. Figures are printed, never
asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import harness, import_cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args()
    harness.refuse_unless_bench(
        harness.database_url_name(import_cases.DEFAULT_DATABASE_URL), args.force
    )
    # Above the .xlsx unpacked limit a sheet goes as .csv (README "Limits").
    paths = import_cases.write_files(args.rows, 10, xlsx=args.rows <= 100_000)
    private = Path(tempfile.mkdtemp(prefix="relief-job-bench-"))
    os.environ["PRIVATE_MEDIA_ROOT"] = str(private)
    import_cases.setup_django()
    print(import_cases.step_reset(None))
    queued = harness.call_command(
        "importsheet", "cases", str(paths["csv"]), "--as", import_cases.CLERK, "--background"
    )
    print(queued)
    from jobs.models import Job

    job = Job.objects.get()
    env = {**os.environ, "DEBUG": "0", "LOG_LEVEL": "ERROR"}
    started = time.perf_counter()
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-reload",
         "--no-startup-delay", "--verbosity", "0"],
        cwd=harness.ROOT, env=env,
    )  # fmt: skip
    seen: dict[str, float] = {}
    polls = 0
    progress = private / "jobs" / str(job.pk) / "progress.json"
    while worker.poll() is None:
        try:
            stage = json.loads(progress.read_text()).get("stage", "")
        except (OSError, ValueError):
            stage = ""
        polls += 1
        seen.setdefault(stage, time.perf_counter() - started)
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    job.refresh_from_db()
    print(f"{args.rows:,} rows on {harness.describe_database()}: job {job.status}, "
          f"{job.result.get('summary', job.error)}")  # fmt: skip
    print(f"worker: {seconds:.1f} s from start to exit (Django start-up included), "
          f"peak {peak:.0f} MiB; {polls} progress polls")  # fmt: skip
    for stage, at in seen.items():
        print(f"  stage {stage or '(none yet)'!r} first seen at {at:.1f} s")


if __name__ == "__main__":
    main()
