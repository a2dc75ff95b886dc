"""Real worker processes for the tests: ``manage.py db_worker`` on a database they share.

The test database must be one another process can open: on PostgreSQL it is (the
test's rows are committed: ``transaction=True``); SQLite's test database lives in memory,
so it is copied, with the rows the test made, to a file the processes then use.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


class SharedDatabase:
    def __init__(self, tmp_path: Path, private_root: Path) -> None:
        self.private_root = private_root
        self.sqlite_file: Path | None = None
        if connection.vendor == "sqlite":
            self.sqlite_file = tmp_path / "shared.sqlite3"
            self.url = f"sqlite:///{self.sqlite_file}"
        else:
            db = settings.DATABASES["default"]
            user = db.get("USER") or "postgres"
            password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
            self.url = (
                f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:"
                f"{db.get('PORT') or 5432}/{db['NAME']}"
            )

    def publish(self) -> None:
        """Make what the test wrote so far visible to the worker processes."""
        if self.sqlite_file is not None:
            connection.ensure_connection()
            target = sqlite3.connect(self.sqlite_file)
            with target:
                connection.connection.backup(target)
            target.close()

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        if self.sqlite_file is not None:
            with sqlite3.connect(self.sqlite_file) as db:
                return db.execute(sql.replace("%s", "?"), params).fetchall()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.url,
            "PRIVATE_MEDIA_ROOT": str(self.private_root),
            "SECRET_KEY": "tests-only-secret-key",
            "DEBUG": "0",
            "LOG_LEVEL": "ERROR",
            **extra,
        }

    def manage(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env(**env),
            capture_output=True,
            text=True,
            timeout=120,
        )

    def start_worker(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--no-reload",
                "--no-startup-delay",
                "--interval",
                "0.1",
                *args,
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )


def wait_for_progress(
    private_root: Path, job_id: object, stage: str, timeout: float = 90
) -> dict[str, Any]:
    """Poll the job's progress file until it reports ``stage``."""
    path = private_root / "jobs" / str(job_id) / "progress.json"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            data = {}
        if data.get("stage") == stage:
            return data
        time.sleep(0.01)
    raise AssertionError(f"job {job_id} never reached stage {stage!r}")


def kill(process: subprocess.Popen) -> None:
    """SIGKILL: no handler runs, no transaction is committed, as in a crash."""
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            kill(process)
