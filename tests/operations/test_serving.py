"""Serving as production does (OPERATIONS.md): /healthz, one log line per request without
personal data, statement timeouts on PostgreSQL."""

import logging

import pytest
from django.db import DatabaseError, OperationalError, connection, connections
from django.test import Client

from reliefsite.timeouts import longer_statement_timeout


def test_healthz_answers_when_the_database_does(db):
    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "queue": {"waiting": 0, "oldest_wait_seconds": 0}}


def test_healthz_names_the_database_that_does_not_answer(db, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as patched:  # undone before the test database is torn down
        patched.setattr(connections["default"], "cursor", broken_cursor)
        response = Client().get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "databases": ["default"]}


def test_one_line_per_request_with_id_user_and_no_query_string(client_for, kunshan_clerk, caplog):
    client = client_for(kunshan_clerk)

    with caplog.at_level(logging.INFO, logger="relief.request"):
        response = client.get("/admin/cases/case/", {"q": "320583197001011234"})

    lines = [r.getMessage() for r in caplog.records if r.name == "relief.request"]
    assert len(lines) == 1
    line = lines[0]
    assert f"request_id={response['X-Request-ID']}" in line
    assert "path=/admin/cases/case/ " in line and "status=200" in line
    assert "user=kunshan_clerk" in line
    assert "320583197001011234" not in line


def test_a_request_id_from_outside_is_used_only_behind_a_proxy(db, settings):
    offered = "0123456789abcdef0123456789abcdef"

    direct = Client().get("/healthz", HTTP_X_REQUEST_ID=offered)
    settings.TRUSTED_PROXY_COUNT = 1
    proxied = Client().get("/healthz", HTTP_X_REQUEST_ID=offered)

    assert direct["X-Request-ID"] != offered
    assert proxied["X-Request-ID"] == offered


@pytest.mark.postgres_only
def test_report_pages_get_the_longer_statement_timeout(db, settings):
    if connection.vendor != "postgresql":
        pytest.skip("statement timeouts: PostgreSQL")
    settings.WEB_STATEMENT_TIMEOUT = "100ms"
    settings.REPORT_STATEMENT_TIMEOUT = "5s"
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = '100ms'")

    with longer_statement_timeout(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(0.3)")  # would be cut under the web timeout
    with pytest.raises(DatabaseError, match="statement timeout"), connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(0.3)")


@pytest.mark.postgres_only
def test_connections_run_without_jit(db):
    # Its compile cost (0.5–0.9 s at city scale) lands on queries that run in milliseconds.
    if connection.vendor != "postgresql":
        pytest.skip("JIT: PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)


def test_web_processes_run_statements_with_a_timeout_and_without_parallel_query():
    import os
    import subprocess
    import sys

    # What gunicorn.conf.py hands its workers, read by the settings as a worker reads them.
    code = (
        "import runpy, os; env = dict(e.split('=', 1) for e in "
        "runpy.run_path('gunicorn.conf.py')['raw_env']); os.environ.update(env); "
        "os.environ['DATABASE_URL'] = 'postgres://u@127.0.0.1:5432/x'; "
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'reliefsite.settings'); "
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['OPTIONS']['options'])"
    )
    options = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={**os.environ, "DEBUG": "1"},
    ).stdout.strip()  # fmt: skip

    assert options == ("-c jit=off -c statement_timeout=30s -c max_parallel_workers_per_gather=0")
