"""Settings for 帮扶 Relief, read from the environment (see README "Configuration")."""

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (set DEBUG=1 for a local run)."
        )
    # Only ever used on a developer's machine with DEBUG on.
    SECRET_KEY = "insecure-local-development-key-do-not-use-in-production"

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
if DEBUG and not ALLOWED_HOSTS:
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    # reliefsite first so its admin templates and commands win.
    "reliefsite.apps.ReliefSiteConfig",
    "reliefsite.apps.ReliefAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "reliefsite.apps.AxesConfig",  # django-axes, with a name in the app list
    "django_filters",
    "import_export",
    "simple_history",
    "jobs.apps.TaskQueueConfig",  # django_tasks_db, named in Chinese
    # Project apps, in dependency order: unions <- cases <- funds <- pairings <- reports.
    "unions",
    "accesslog",  # generic, like sheets/adminkit: depends on unions for the scope only
    "cases",
    "funds",
    "pairings",
    "reports",
    # Generic, like sheets/: background jobs of any app (depends on unions for scope only).
    "jobs",
]

MIDDLEWARE = [
    # First, so its time covers the whole request and its id is set for everything below.
    "reliefsite.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Each user's units listed once per request for every scoped read (unions.querysets).
    "unions.middleware.ScopeListingMiddleware",
    "accesslog.middleware.AccessLogMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "reliefsite.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]

# Django's widget templates, the commonest drawn in Python (adminkit.renderers says why).
FORM_RENDERER = "adminkit.renderers.FastWidgetRenderer"

WSGI_APPLICATION = "reliefsite.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server and a CLI import share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

# --- Pooled deployments, a read replica, background jobs (README "Scaling out") -------------
# psycopg's own connection pool (DATABASE_POOL=1, PostgreSQL only) instead of persistent
# connections: Django then needs CONN_MAX_AGE 0; DATABASE_POOL_MAX caps each process.
if env_bool("DATABASE_POOL", False) and DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": int(os.environ.get("DATABASE_POOL_MAX", "4")),
        "timeout": 10,
    }
# Reports, the audit and exports read from a replica when one is given (reliefsite.routers);
# every write and every read a write depends on stays on "default". The tests get a
# "replica" alias that mirrors the test database, so they can prove where queries go.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "").strip()
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
    )
elif "pytest" in sys.modules:
    DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = ["reliefsite.routers.ReplicaRouter"]
# The alias the router reads from ("" sends everything to default): only a real replica.
RELIEF_REPLICA_ALIAS = "replica" if DATABASE_REPLICA_URL else ""

# Background jobs (django.tasks): the queue is a table in the same database (django-tasks-db),
# so SQLite serves the embedded default, PostgreSQL production, and any number of
# `manage.py db_worker` processes on any machine take jobs from it.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Imports and exports of more rows than this run as jobs; smaller ones stay in the request.
RELIEF_BACKGROUND_ROWS = int(os.environ.get("RELIEF_BACKGROUND_ROWS", "5000"))
# A running job whose worker has sent no sign of life for this long is marked failed.
RELIEF_JOB_STALE_SECONDS = int(os.environ.get("RELIEF_JOB_STALE_SECONDS", "120"))
# /healthz answers 503 when a job has waited in the queue longer than this (no worker).
RELIEF_QUEUE_MAX_WAIT_SECONDS = int(os.environ.get("RELIEF_QUEUE_MAX_WAIT_SECONDS", "600"))
# Files never served as media: job inputs, error files, exports (served to their owner
# only, by a view). Shared by every web and worker node (README "Scaling out").
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "private"))
# The admin's sheet pages ask this for the background path (sheets.admin; the jobs app).
RELIEF_SHEET_JOBS = "jobs.sheets.SheetJobs"

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username + address is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Statement timeouts (PostgreSQL; reliefsite.timeouts). gunicorn.conf.py sets
# WEB_STATEMENT_TIMEOUT for the web processes only, so a runaway page is cut while
# workers and management commands (imports of a million rows) are not.
WEB_STATEMENT_TIMEOUT = os.environ.get("WEB_STATEMENT_TIMEOUT", "").strip()
# PostgreSQL's parallel helpers per query for the web processes (gunicorn.conf.py: 0).
WEB_PARALLEL_WORKERS = os.environ.get("WEB_PARALLEL_WORKERS", "").strip()
REPORT_STATEMENT_TIMEOUT = os.environ.get("REPORT_STATEMENT_TIMEOUT", "60s").strip()
# PostgreSQL's JIT compiles any query the planner costs high before running it: 0.5–0.9 s
# of CPU, measured at city scale on a count that runs in milliseconds once statistics are
# fresh (and a stale estimate after a bulk load is exactly when it fires). The pages read
# indexed rows and maintained aggregates, never long scans, so it is off for every
# connection unless DATABASE_JIT=1.
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    jit = env_bool("DATABASE_JIT", False)
    server_options = [] if jit else ["-c jit=off"]
    if WEB_STATEMENT_TIMEOUT:
        server_options.append(f"-c statement_timeout={WEB_STATEMENT_TIMEOUT}")
    if WEB_PARALLEL_WORKERS.isdigit():
        server_options.append(f"-c max_parallel_workers_per_gather={WEB_PARALLEL_WORKERS}")
    if server_options:
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = " ".join(server_options)
    if DATABASE_REPLICA_URL and not jit:
        DATABASES["replica"].setdefault("OPTIONS", {})["options"] = "-c jit=off"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (INCLUDE) serve PostgreSQL's index-only scans at city scale; SQLite
# builds the same indexes without the extra columns, which is all it needs.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
AUTH_USER_MODEL = "unions.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"
# Where `manage.py backup` writes when given no file (keep it off the database's disk).
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", BASE_DIR / "backups"))

LOGIN_URL = "admin:login"
# Where a login lands when ?next= is missing or unsafe (Django's default is a 404).
LOGIN_REDIRECT_URL = "admin:index"

# Login protection (django-axes, PRIVACY.md "Login"): failures are counted per username
# and client address together, so one person mistyping does not lock a whole office
# behind one NAT address, and a guesser cannot lock a user out from elsewhere.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "reliefsite.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "reliefsite.security.client_ip"
AXES_ENABLE_ADMIN = False  # reliefsite.admin shows the locks and unlocks them
AXES_VERBOSE = False
# How many reverse proxies (nginx, a load balancer) stand in front of Django and append
# to X-Forwarded-For. 0: the header is ignored and REMOTE_ADDR is the client.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# Production-safe defaults: secure cookies and HSTS when DEBUG is off. HTTPS redirect is
# left to the reverse proxy (SECURE_SSL_REDIRECT=1 turns it on here).
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "3600"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Joining the browsers' preload list is a separate, hard-to-undo decision: opt in.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_HTTPS_PROXY", False) else None
)

# Content-Security-Policy (Django's own, django.middleware.csp): only this site's scripts,
# styles and images, inline <script>/<style> only with the page's nonce, no inline style
# attributes, no plugins, no framing, forms post back here only. The report charts are
# server-drawn SVG (img-src 'self' data: covers admin icons). CSP_REPORT_ONLY=1 sends it
# as Content-Security-Policy-Report-Only instead (to try a change on a live site first).
_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CSP = {} if env_bool("CSP_REPORT_ONLY", False) else _CSP
SECURE_CSP_REPORT_ONLY = _CSP if env_bool("CSP_REPORT_ONLY", False) else {}

# Personal data (PRIVACY.md). The access log (accesslog): which model is "a person" in
# an export, and how an ID number typed on the log's page names its records.
ACCESS_LOG_PERSON_MODEL = "cases.Case"
ACCESS_LOG_ID_SUBJECTS = "cases.selectors.access_subjects_for_id_number"
# Searches by ID number for users who see masked numbers (cases.idsearch): at most this
# many per window, so a masked number cannot be recovered by trying every birth date.
ID_SEARCH_LIMIT = int(os.environ.get("ID_SEARCH_LIMIT", "30"))
ID_SEARCH_WINDOW_MINUTES = int(os.environ.get("ID_SEARCH_WINDOW_MINUTES", "10"))
# Retention: a case that left the register this many years ago is anonymised
# (manage.py anonymise_exited; the filing rules keep a file 10 years).
RETENTION_YEARS = int(os.environ.get("RETENTION_YEARS", "10"))
# Temporary files (临时救助档案): one not converted (转正) this many days after it was
# registered lapses (manage.py lapse_temporary_files); the dashboard lists those that
# lapse within the warning days.
RELIEF_TEMPORARY_FILE_DAYS = int(os.environ.get("RELIEF_TEMPORARY_FILE_DAYS", "90"))
RELIEF_TEMPORARY_WARN_DAYS = int(os.environ.get("RELIEF_TEMPORARY_WARN_DAYS", "14"))
# Days of a public notice (公示) where no unit rule says (cases.FilingRequirement).
RELIEF_NOTICE_DAYS = int(os.environ.get("RELIEF_NOTICE_DAYS", "7"))
# The scanned authorisation (授权委托书): PDF, JPEG or PNG, at most this size.
RELIEF_SCAN_MAX_BYTES = int(os.environ.get("RELIEF_SCAN_MAX_BYTES", str(10 * 1024 * 1024)))

# Large admin forms (an import preview confirm carries many fields).
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20000
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Limits of one imported sheet (README "Limits"; sheets.limits), the same in the admin
# and in `importsheet`, each refused with a message that names it. The defaults are far
# above honest use: the widest sheet has 16 columns; a district's whole register is a few
# thousand rows, and the largest file measured (100,000 rows) is a city-wide campaign.
# - upload: a 100,000-row .csv is about 20 MB (UTF-8 Chinese), the .xlsx about 8 MB;
#   deploy/nginx-relief.conf's client_max_body_size is the same number;
# - rows: data rows below the header; one import keeps every row in memory (about
#   3 KiB each in a dry run, 5 KiB with the writes), so this bounds an import's memory
#   (bench/sheet_limits.py measures it at this limit);
# - columns: 3x the widest sheet, room for blank helper columns;
# - cell: Excel's own limit for one cell (32,767 characters);
# - unpacked: what an .xlsx may unpack to (sheet and shared strings XML; about 130 MB
#   for 100,000 rows of 16 columns), so a small zip cannot unpack into gigabytes.
RELIEF_SHEET_MAX_UPLOAD_BYTES = int(
    os.environ.get("RELIEF_SHEET_MAX_UPLOAD_BYTES", str(50 * 1024 * 1024))
)
RELIEF_SHEET_MAX_ROWS = int(os.environ.get("RELIEF_SHEET_MAX_ROWS", "100000"))
RELIEF_SHEET_MAX_COLUMNS = int(os.environ.get("RELIEF_SHEET_MAX_COLUMNS", "50"))
RELIEF_SHEET_MAX_CELL_CHARS = int(os.environ.get("RELIEF_SHEET_MAX_CELL_CHARS", "32767"))
RELIEF_SHEET_MAX_UNPACKED_BYTES = int(
    os.environ.get("RELIEF_SHEET_MAX_UNPACKED_BYTES", str(512 * 1024 * 1024))
)
# A sheet imported by a background job (above RELIEF_BACKGROUND_ROWS rows, or
# `importsheet --background`): a province-level migration of a million files. The worker
# checks and writes the case sheet 20,000 rows at a time in one transaction, so memory is
# bounded by the file itself (held as read) plus a chunk (see README "Background jobs");
# a 1,000,000-row .csv is about 200 MB. An .xlsx stays under the unpacked limit above
# (its reader holds the whole sheet): a million rows go as .csv.
RELIEF_JOB_MAX_ROWS = int(os.environ.get("RELIEF_JOB_MAX_ROWS", "1000000"))
RELIEF_JOB_MAX_UPLOAD_BYTES = int(
    os.environ.get("RELIEF_JOB_MAX_UPLOAD_BYTES", str(256 * 1024 * 1024))
)
# Uploaded sheets waiting for their confirm (sheets.uploads, PRIVACY.md "Files"): in a
# folder of the project's own (mode 0700, files 0600; never the shared system temp dir),
# readable by every web and worker process of this site, removed on confirm, refusal
# or cancel, and by `manage.py purge_uploads` (and every upload) once older than this.
RELIEF_PENDING_UPLOAD_DIR = Path(
    os.environ.get("RELIEF_PENDING_UPLOAD_DIR", BASE_DIR / "private" / "pending-uploads")
)
RELIEF_PENDING_UPLOAD_MAX_AGE = timedelta(
    minutes=int(os.environ.get("RELIEF_PENDING_UPLOAD_MAX_AGE_MINUTES", "240"))
)
# Django spools an upload over FILE_UPLOAD_MAX_MEMORY_SIZE to a file while the request
# lasts: this handler does so in the private folder's incoming/, not the system temp
# dir, and stops writing past the upload limit (the form then refuses the file).
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "sheets.uploads.PrivateTemporaryFileUploadHandler",
]

# The register sheets (spreadsheets.md, INTERFACES.md): which resource imports and exports
# each KIND for ``importsheet``/``exportsheet`` and the admin. Dotted paths, wired here so
# that an app lower down can extend a sheet of an app above it (pairings adds the
# 结对协议编号 column to funds' disbursement sheet) without funds knowing pairings.
RELIEF_SHEETS = {
    "cases": "cases.resources.CaseResource",
    "disbursements": "pairings.resources.PairedDisbursementResource",
    "pairings": "pairings.resources.AgreementResource",
    "ledger": "funds.resources.LedgerResource",
}

# Inlines an app lower down shows on the change page of an app above it, wired here for
# the same reason (adminkit.extensions): pairings lists a case's agreements on its page.
RELIEF_ADMIN_INLINES = {
    "cases.Case": ["pairings.admin.CaseAgreementsInline"],
}

# List filters an app lower down adds to a list of an app above it (adminkit.extensions):
# funds' "never aided" (从未帮扶) on the case list, which cases cannot import.
RELIEF_ADMIN_LIST_FILTERS = {
    "cases.Case": ["funds.filters.NeverAidedFilter"],
}

# 回访 (FILING.md): follow-up visits of an exited file fall due this many months after
# the exit, in order; each visit recorded moves the file on to the next.
RELIEF_FOLLOW_UP_MONTHS = (6, 12)

# django-import-export: the admin's import and export need these permissions (without
# them every staff user may import and export); each sheet checks its own too.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_SKIP_ADMIN_LOG = True  # the sheets write one log entry per file instead

# django-simple-history: the history pages are admin pages and obey the same scope.
SIMPLE_HISTORY_REVERT_DISABLED = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        # One line per request (reliefsite.middleware); REQUEST_LOG=0 silences it.
        "relief.request": {
            "handlers": ["console"],
            "level": "INFO" if env_bool("REQUEST_LOG", not DEBUG) else "WARNING",
            "propagate": False,
        },
        # Django's own request log would repeat ours (and logs 4xx as warnings).
        "django.request": {"level": "ERROR"},
    },
}
