"""gunicorn settings for production (README "Production"); `gunicorn -c gunicorn.conf.py
reliefsite.wsgi`. Every value can be overridden from the environment."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")

# Sync workers: each request gets a whole process, so a slow report cannot stall the
# requests queued behind it in the same worker. gthread raised p95 from 21-26 s to 34-47 s
# at 50 users in a measurement here (the work is CPU-bound: threads only contend for the
# GIL). One worker per core plus one to cover the time a worker waits on the database.
worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))

# Longer than the longest page (reports may run 60 s: REPORT_STATEMENT_TIMEOUT) and
# shorter than nginx's proxy_read_timeout (deploy/nginx-relief.conf, 120 s), so the
# worker, not the proxy, ends a stuck request and the error is ours.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "90"))
graceful_timeout = 30
keepalive = 5

# Recycle workers now and then so a slow leak in a library can never grow unbounded.
max_requests = 2000
max_requests_jitter = 200

# Statements of web requests are cut at 30 s (reports get REPORT_STATEMENT_TIMEOUT):
# set here so that workers and management commands, which run long imports, are not.
# And no parallel query for them: on a machine whose cores the web workers already fill,
# a parallel plan only spends more CPU for the same answer (the audit's yearly cap: about
# 80 ms serial, 50 ms by the clock but 150 ms of CPU with PostgreSQL's two helpers).
raw_env = [
    f"WEB_STATEMENT_TIMEOUT={os.environ.get('WEB_STATEMENT_TIMEOUT', '30s')}",
    f"WEB_PARALLEL_WORKERS={os.environ.get('WEB_PARALLEL_WORKERS', '0')}",
]

# reliefsite.middleware writes one line per request with its id; gunicorn's own access
# log would repeat it (and include query strings, which may hold ID numbers).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Behind nginx on the same machine: trust its X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
