"""A running job's live counters and sign of life, in a small file beside its other files.

Not in the database: on SQLite an import's transaction holds the one write lock for its
whole length, and on PostgreSQL the worker holds its job's row locked as its sign of life
(``jobs.runner``); neither leaves the job's row free for progress updates. A thread of
the worker rewrites the file every ``BEAT_SECONDS`` whether or not the engine reported
anything, so a file that has not changed for ``RELIEF_JOB_STALE_SECONDS`` means the worker
is gone (``jobs.services.sweep_stale_jobs``). Cancelling a running job drops a marker
file that the same thread notices.
"""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any

from jobs.files import job_dir

PROGRESS_FILE = "progress.json"
CANCEL_FILE = "cancel"
BEAT_SECONDS = 1.0


class JobCancelled(Exception):
    """Raised inside the work when its owner cancelled it: the transaction rolls back."""


def read_progress(job_id: object) -> dict[str, Any] | None:
    """The last counters written, with ``beat`` (time.time() of the last sign of life)."""
    path = job_dir(job_id) / PROGRESS_FILE
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def request_cancel(job_id: object) -> None:
    folder = job_dir(job_id, create=True)
    (folder / CANCEL_FILE).touch()


def cancel_requested(job_id: object) -> bool:
    return (job_dir(job_id) / CANCEL_FILE).exists()


class Heartbeat:
    """Counters of a running job, written to its progress file by a background thread.

    Use as a context manager around the work; ``progress`` is the engine's callback
    (``sheets.Progress``: stage, done, total).
    """

    def __init__(self, job_id: object, total: int = 0) -> None:
        self.job_id = job_id
        self.counters: dict[str, Any] = {
            "stage": "read",
            "read": 0,
            "checked": 0,
            "written": 0,
            "total": total,
        }
        self.cancelled = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._file_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=f"job-{job_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        job_dir(self.job_id, create=True)
        self.write()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.write()

    def update(self, **counters: Any) -> None:
        with self._lock:
            self.counters.update(counters)

    def progress(self, stage: str, done: int, total: int) -> None:
        """The engine's callback: count, and stop the work if its owner cancelled it."""
        new_stage = stage != self.counters["stage"]
        if stage == "check":
            self.update(stage=stage, checked=done, total=max(total, self.counters["total"]))
        elif stage == "write":
            self.update(stage=stage, written=done)
        else:
            self.update(stage=stage)
        if new_stage:
            self.write()  # a new stage shows at once, not at the next beat
        self.raise_if_cancelled()

    def raise_if_cancelled(self) -> None:
        if self.cancelled.is_set() or cancel_requested(self.job_id):
            self.cancelled.set()
            raise JobCancelled

    def write(self) -> None:
        with self._lock:
            data = {**self.counters, "beat": time.time(), "pid": os.getpid()}
        folder = job_dir(self.job_id, create=True)
        # The work's thread (at each new stage) and the beat's write the file: one at a
        # time, or one renames the other's temporary file away (a chunked import changes
        # stage at every chunk, and its job failed on that).
        with self._file_lock:
            temporary = folder / f".{PROGRESS_FILE}.{os.getpid()}"
            temporary.write_text(json.dumps(data))
            os.replace(temporary, folder / PROGRESS_FILE)

    def _run(self) -> None:
        while not self._stop.wait(BEAT_SECONDS):
            try:
                self.write()
                if cancel_requested(self.job_id):
                    self.cancelled.set()
            except OSError:
                # A full disk must not kill the worker; the sweep then calls it stale.
                pass
