"""Newsroom settings, all read from the environment.

Every variable is listed with its default in README.md. Where DATABASE_URL or
REDIS_URL is unset, an embedded server under var/ is started (newsroom.runtime).
"""

import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE, NONE, SELF

from newsroom import runtime

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY") or (
    runtime.development_secret_key() if DEBUG else ""
)
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "template_partials",
    "django_rq",
    "axes",
    "newsroom",
    "clusters",
    "rewrites",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "newsroom.csp.DeskCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "newsroom.middleware.RefuseNulCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "newsroom.auth.ApiTokenMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "newsroom.audit.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "newsroom.middleware.VaryOnHtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

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
                "newsroom.context_processors.desk",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    },
]

# The desk connects as a role that owns nothing; migrations run as the role that owns the tables
# (newsroom.database_roles). Without NEWSROOM_MIGRATE_DATABASE_URL both are the role of DATABASE_URL.
DATABASE_URL = os.environ.get("DATABASE_URL") or runtime.embedded_database_url()
NEWSROOM_MIGRATE_DATABASE_URL = os.environ.get("NEWSROOM_MIGRATE_DATABASE_URL") or (
    "" if os.environ.get("DATABASE_URL") else runtime.embedded_migrate_database_url()
)
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
NEWSROOM_MIGRATE_DATABASE = dj_database_url.parse(NEWSROOM_MIGRATE_DATABASE_URL) if NEWSROOM_MIGRATE_DATABASE_URL else None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL") or runtime.embedded_redis_url()
RQ_QUEUES = {
    name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": timeout}
    for name, timeout in [("default", 300), ("ingest", 300), ("generate", 600), ("publish", 300)]
}
RQ = {"JOB_CLASS": "newsroom.queues.DeskJob", "WORKER_CLASS": "newsroom.queues.DeskWorker"}
# Every worker sends a heartbeat this often, whatever its job is doing; a worker silent for
# NEWSROOM_WORKER_LOST_AFTER_SECONDS is taken for dead and its job is handed back (newsroom.jobs).
NEWSROOM_WORKER_HEARTBEAT_SECONDS = float(os.environ.get("NEWSROOM_WORKER_HEARTBEAT_SECONDS", "5"))
NEWSROOM_WORKER_LOST_AFTER_SECONDS = float(os.environ.get("NEWSROOM_WORKER_LOST_AFTER_SECONDS", "20"))
RQ_SHOW_ADMIN_LINK = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling (django-axes): after NEWSROOM_LOGIN_FAILURE_LIMIT failed logins for one account, or from one
# address, further attempts are refused for NEWSROOM_LOGIN_LOCKOUT_MINUTES, on the desk's login page and the admin's.
AUTHENTICATION_BACKENDS = [
    "newsroom.throttling.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("NEWSROOM_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("NEWSROOM_LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "newsroom.throttling.lockout_response"
AXES_VERBOSE = True
# The log names the account and address of each failure and lockout, so an admin can act on them.
AXES_SENSITIVE_PARAMETERS: list[str] = []
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "rewrites:queue"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", runtime.VAR_DIR / "static"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", runtime.VAR_DIR / "media"))
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
WHITENOISE_USE_FINDERS = DEBUG

# Production hardening; `manage.py check --deploy` is clean with DEBUG off.
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None
# Login throttling counts by client address: X-Forwarded-For is believed only behind a proxy, which sets it.
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if env_bool("BEHIND_PROXY", False) else ("REMOTE_ADDR",)
)
AXES_IPWARE_PROXY_COUNT = 1 if env_bool("BEHIND_PROXY", False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script or style runs on any page, desk or public; the one inline style (the web-card preview's) carries
# the request's nonce. django-rq's dashboard also allows its own inline scripts by hash (newsroom/csp.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Debug pages show settings and variables; this filter masks every password in them, URLs included.
DEFAULT_EXCEPTION_REPORTER_FILTER = "newsroom.debug.CredentialMaskingFilter"
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "pgserver": {"level": "WARNING"},
        "rq.worker": {"level": os.environ.get("LOG_LEVEL", "INFO")},
    },
}

# The desk's own settings.
NEWSROOM_PAGE_SIZE = int(os.environ.get("NEWSROOM_PAGE_SIZE", "50"))
# How often an open workspace says it is still there (and learns whether someone else changed the rewrite).
NEWSROOM_PRESENCE_SECONDS = int(os.environ.get("NEWSROOM_PRESENCE_SECONDS", "15"))
NEWSROOM_API_PAGE_SIZE = int(os.environ.get("NEWSROOM_API_PAGE_SIZE", "100"))
NEWSROOM_ADMIN_PASSWORD = os.environ.get("NEWSROOM_ADMIN_PASSWORD", "")

# Language model: any OpenAI-compatible endpoint; unset means the offline writer.
OPENAI_BASE_URL = os.environ.get("OPENAI_BASE_URL", "")
OPENAI_API_KEY = os.environ.get("OPENAI_API_KEY", "")
NEWSROOM_MODEL = os.environ.get("NEWSROOM_MODEL", "")
NEWSROOM_PRICE_INPUT_PER_MTOK = Decimal(os.environ.get("NEWSROOM_PRICE_INPUT_PER_MTOK", "0"))
NEWSROOM_PRICE_OUTPUT_PER_MTOK = Decimal(os.environ.get("NEWSROOM_PRICE_OUTPUT_PER_MTOK", "0"))

# Periodic work: the scheduler (`manage.py run_scheduler`) runs every sweep below each tick. Each
# finds what is due and enqueues it; each lives in the jobs.py of its package.
NEWSROOM_SCHEDULER_INTERVAL_SECONDS = float(os.environ.get("NEWSROOM_SCHEDULER_INTERVAL_SECONDS", "15"))
NEWSROOM_SCHEDULED_TASKS = [
    "newsroom.jobs.requeue_abandoned_jobs",
    "clusters.sources.jobs.enqueue_due_sources",
    "clusters.jobs.enqueue_unclustered",
    "rewrites.generation.jobs.enqueue_settled_clusters",
    "rewrites.generation.jobs.enqueue_due_repairs",
    "rewrites.generation.jobs.recover_interrupted_generations",
    "rewrites.publishing.jobs.enqueue_due_deliveries",
    "rewrites.publishing.jobs.enqueue_missing_publications",
    "rewrites.dashboard.jobs.roll_up_finished_days",
]

# Ingestion (clusters/sources/ingest.py, newsroom/outbound.py); documented in docs/ingest.md.
NEWSROOM_FETCH_CONNECT_TIMEOUT = float(os.environ.get("NEWSROOM_FETCH_CONNECT_TIMEOUT", "10"))
NEWSROOM_FETCH_READ_TIMEOUT = float(os.environ.get("NEWSROOM_FETCH_READ_TIMEOUT", "20"))
NEWSROOM_FETCH_TOTAL_TIMEOUT = float(os.environ.get("NEWSROOM_FETCH_TOTAL_TIMEOUT", "60"))
NEWSROOM_FETCH_MAX_BYTES = int(os.environ.get("NEWSROOM_FETCH_MAX_BYTES", str(10_000_000)))
NEWSROOM_FETCH_MAX_REDIRECTS = int(os.environ.get("NEWSROOM_FETCH_MAX_REDIRECTS", "5"))
NEWSROOM_FETCH_USER_AGENT = os.environ.get(
    "NEWSROOM_FETCH_USER_AGENT", "NewsroomBot/0.1 (+https://github.com/newsroom-desk)"
)
# The desk serves its own demo feeds; in development that address is allowed
# through the private-address check so the demo ingests through the real path.
NEWSROOM_DEMO_FEEDS_URL = os.environ.get(
    "NEWSROOM_DEMO_FEEDS_URL", f"http://127.0.0.1:{os.environ.get('NEWSROOM_PORT', '8000')}/demo-feeds/"
)
# Only the demo-feed path is allowed, never the rest of the desk (its pages must not be fetchable by a feed entry).
_demo_feeds = urlsplit(NEWSROOM_DEMO_FEEDS_URL)
NEWSROOM_FETCH_ALLOWED_HOSTS = env_list(
    "NEWSROOM_FETCH_ALLOWED_HOSTS", f"{_demo_feeds.netloc}{_demo_feeds.path or '/'}" if DEBUG else ""
)
NEWSROOM_IMAGE_MAX_BYTES = int(os.environ.get("NEWSROOM_IMAGE_MAX_BYTES", str(5_000_000)))
NEWSROOM_IMAGE_MAX_PIXELS = int(os.environ.get("NEWSROOM_IMAGE_MAX_PIXELS", str(40_000_000)))
NEWSROOM_THUMBNAIL_SIZE = int(os.environ.get("NEWSROOM_THUMBNAIL_SIZE", "640"))
NEWSROOM_INGEST_FETCH_PAGES = env_bool("NEWSROOM_INGEST_FETCH_PAGES", True)
NEWSROOM_INGEST_FETCH_IMAGES = env_bool("NEWSROOM_INGEST_FETCH_IMAGES", True)
NEWSROOM_INGEST_MAX_ENTRIES = int(os.environ.get("NEWSROOM_INGEST_MAX_ENTRIES", "200"))
NEWSROOM_INGEST_MAX_TITLE_CHARS = int(os.environ.get("NEWSROOM_INGEST_MAX_TITLE_CHARS", "500"))
NEWSROOM_INGEST_MAX_TEXT_CHARS = int(os.environ.get("NEWSROOM_INGEST_MAX_TEXT_CHARS", "100000"))
NEWSROOM_INGEST_MAX_FAILURES = int(os.environ.get("NEWSROOM_INGEST_MAX_FAILURES", "8"))
NEWSROOM_INGEST_JOB_TIMEOUT = int(os.environ.get("NEWSROOM_INGEST_JOB_TIMEOUT", "900"))
NEWSROOM_INGEST_MAX_BACKOFF_MINUTES = int(os.environ.get("NEWSROOM_INGEST_MAX_BACKOFF_MINUTES", str(24 * 60)))
# A feed's publication time later than this after the fetch is replaced by the fetch time, with a note on the article.
NEWSROOM_INGEST_FUTURE_TOLERANCE_MINUTES = int(os.environ.get("NEWSROOM_INGEST_FUTURE_TOLERANCE_MINUTES", "15"))
# Dotted paths called with each new article's id once it is stored (clustering plugs in here).
NEWSROOM_AFTER_ARTICLE_STORED: list[str] = env_list("NEWSROOM_AFTER_ARTICLE_STORED", "clusters.jobs.enqueue_assignment")

# Clustering (clusters/clustering.py).
NEWSROOM_CLUSTER_WINDOW_HOURS = float(os.environ.get("NEWSROOM_CLUSTER_WINDOW_HOURS", "8760"))
# Chosen by cross-validation over events (docs/clustering.md, docs/benchmarks.md).
NEWSROOM_CLUSTER_THRESHOLD = float(os.environ.get("NEWSROOM_CLUSTER_THRESHOLD", "0.14"))
NEWSROOM_CLUSTER_THRESHOLD_JA = float(os.environ.get("NEWSROOM_CLUSTER_THRESHOLD_JA", "0.3"))
NEWSROOM_CLUSTER_ANCHOR_THRESHOLD = float(os.environ.get("NEWSROOM_CLUSTER_ANCHOR_THRESHOLD", "0.1"))

# Generation, lints and the repair loop (rewrites/generation/write.py, rewrites/checks/lint.py).
# Listed with their defaults in docs/generation.md.
NEWSROOM_MODEL_TIMEOUT_SECONDS = float(os.environ.get("NEWSROOM_MODEL_TIMEOUT_SECONDS", "120"))
NEWSROOM_MODEL_CONNECT_TIMEOUT_SECONDS = float(os.environ.get("NEWSROOM_MODEL_CONNECT_TIMEOUT_SECONDS", "10"))
NEWSROOM_MODEL_RETRIES = int(os.environ.get("NEWSROOM_MODEL_RETRIES", "2"))
NEWSROOM_MODEL_MAX_RETRY_WAIT_SECONDS = float(os.environ.get("NEWSROOM_MODEL_MAX_RETRY_WAIT_SECONDS", "30"))
NEWSROOM_MODEL_MAX_OUTPUT_TOKENS = int(os.environ.get("NEWSROOM_MODEL_MAX_OUTPUT_TOKENS", "3000"))
NEWSROOM_MODEL_TEMPERATURE = float(os.environ.get("NEWSROOM_MODEL_TEMPERATURE", "0.3"))
# "auto" tries a strict JSON schema and falls back to JSON mode if the endpoint refuses it.
NEWSROOM_MODEL_OUTPUT_MODE = os.environ.get("NEWSROOM_MODEL_OUTPUT_MODE", "auto")
NEWSROOM_SOURCE_CHARS_PER_ARTICLE = int(os.environ.get("NEWSROOM_SOURCE_CHARS_PER_ARTICLE", "6000"))
NEWSROOM_DAILY_BUDGET_USD = Decimal(os.environ.get("NEWSROOM_DAILY_BUDGET_USD", "10"))
NEWSROOM_REPAIR_LIMIT = int(os.environ.get("NEWSROOM_REPAIR_LIMIT", "3"))
NEWSROOM_REPAIR_BACKOFF_SECONDS = float(os.environ.get("NEWSROOM_REPAIR_BACKOFF_SECONDS", "30"))
NEWSROOM_SETTLE_SECONDS = float(os.environ.get("NEWSROOM_SETTLE_SECONDS", "900"))
NEWSROOM_SETTLE_SOURCE_COUNT = int(os.environ.get("NEWSROOM_SETTLE_SOURCE_COUNT", "3"))
NEWSROOM_HEADLINE_MAX_CHARS = int(os.environ.get("NEWSROOM_HEADLINE_MAX_CHARS", "110"))
# The unsupported-content lint flags a field whose sentences' mean share of wording the English
# sources do not back reaches this (0 turns it off); chosen on FRANK, see docs/benchmarks.md.
NEWSROOM_LINT_CONTENT_THRESHOLD = float(os.environ.get("NEWSROOM_LINT_CONTENT_THRESHOLD", "0.1"))
# After generation, one more structured model call lists the output's claims with verdicts
# (rewrites/generation/claim_check.py); off unless set, and only with a model endpoint.
NEWSROOM_CLAIM_CHECK = env_bool("NEWSROOM_CLAIM_CHECK", False)
NEWSROOM_GENERATE_JOB_TIMEOUT_SECONDS = int(os.environ.get("NEWSROOM_GENERATE_JOB_TIMEOUT_SECONDS", "600"))

# Publishing and exports (rewrites/publishing/publish.py).
# Public address used in feeds, Open Graph tags and newsletter links when set
# (e.g. https://news.example.com); otherwise links use the request's host.
NEWSROOM_PUBLIC_BASE_URL = os.environ.get("NEWSROOM_PUBLIC_BASE_URL", "").rstrip("/")
NEWSROOM_SITE_NAME = os.environ.get("NEWSROOM_SITE_NAME", "Newsroom")
NEWSROOM_FEED_ITEMS = int(os.environ.get("NEWSROOM_FEED_ITEMS", "50"))
NEWSROOM_PUBLIC_CACHE_SECONDS = int(os.environ.get("NEWSROOM_PUBLIC_CACHE_SECONDS", "60"))
NEWSROOM_NEWSLETTER_PREVIEW_LIMIT = int(os.environ.get("NEWSROOM_NEWSLETTER_PREVIEW_LIMIT", "200"))
# Outbound webhooks: attempts per delivery, first retry delay (doubled each time),
# request timeout, and host names allowed even though they resolve to private or
# loopback addresses (comma-separated).
NEWSROOM_WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("NEWSROOM_WEBHOOK_MAX_ATTEMPTS", "6"))
NEWSROOM_WEBHOOK_BACKOFF_SECONDS = float(os.environ.get("NEWSROOM_WEBHOOK_BACKOFF_SECONDS", "30"))
NEWSROOM_WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("NEWSROOM_WEBHOOK_TIMEOUT_SECONDS", "10"))
NEWSROOM_WEBHOOK_ALLOWED_HOSTS = env_list("NEWSROOM_WEBHOOK_ALLOWED_HOSTS")

# Notifications (newsroom/notifications/__init__.py, docs/operations.md).
# Email goes through Django's email backend: the console (printed by the web process) unless EMAIL_BACKEND is set,
# for example to django.core.mail.backends.smtp.EmailBackend with EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER,
# EMAIL_HOST_PASSWORD and EMAIL_USE_TLS.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "newsroom@localhost")
# The desk's own address, for the links in notification emails.
NEWSROOM_DESK_URL = os.environ.get("NEWSROOM_DESK_URL", "http://localhost:8000").rstrip("/")
# A source is reported as failing after this many failed fetches in a row (it is disabled after
# NEWSROOM_INGEST_MAX_FAILURES, which is reported too).
NEWSROOM_NOTIFY_SOURCE_FAILURES = int(os.environ.get("NEWSROOM_NOTIFY_SOURCE_FAILURES", "3"))
