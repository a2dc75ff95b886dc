"""The project's settings for bench.load: gunicorn on loopback over plain HTTP.

With DEBUG off the session and CSRF cookies are Secure, which an HTTP client does not
send back over http://127.0.0.1; and the manifest storage needs ``collectstatic``,
whose files the benchmark never requests. Everything else stays as in production.
"""

from reliefsite.settings import *  # noqa: F403

SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
