"""One settings module, driven by environment variables, with defaults that run out of the box."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from tracker.mailers import BadEmailURL, mailer_from_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


FLAG_VALUES = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


def env_flag(name: str, default: bool = False) -> bool:
    """A yes/no variable; unset or empty gives the default, and a value we cannot read stops the start-up."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value not in FLAG_VALUES:
        raise ImproperlyConfigured(f"{name}={os.environ[name]!r} is not understood; use one of "
                                   f"{', '.join(FLAG_VALUES)}.")
    return FLAG_VALUES[value]


DEBUG = env_flag("DJANGO_DEBUG")
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for local development).")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    # django-ninja, for the API; as an app its docs page uses the Swagger UI files it ships, not a CDN.
    "ninja",
    "tracker",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Under /api/ the user is the bearer token's, never the session's.
    "tracker.api.tokens.token_user",
    # Nothing above reads the body (CSRF reads the form later, in process_view), so this refuses it unread.
    "tracker.middleware.body_size_limit",
    "django_htmx.middleware.HtmxMiddleware",
    "tracker.middleware.BusyDatabase",
    "tracker.middleware.htmx_login_redirect",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "tracker.middleware.private_pages",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # django-axes wants to be last: it turns its lockout exception into a response.
    "axes.middleware.AxesMiddleware",
]

# bench/ points this at a URLconf that adds a bare view to compare throughput against.
ROOT_URLCONF = os.environ.get("DJANGO_ROOT_URLCONF", "tracker.urls")
WSGI_APPLICATION = "tracker.wsgi.application"

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

# SQLite (a file under var/) unless DATABASE_URL names another database.
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'tracker.sqlite3'}",
        conn_max_age=60, conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Keep connections: opening one runs the PRAGMAs below, which costs more than a whole cached page.
    DATABASES["default"]["CONN_MAX_AGE"] = 600
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock when atomic() starts, so concurrent writers queue instead of
        # failing with "database is locked" when they upgrade a read transaction.
        "transaction_mode": "IMMEDIATE",
        "timeout": 5,
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA mmap_size=134217728;"
            "PRAGMA journal_size_limit=27103364;PRAGMA cache_size=2000;"
        ),
    }
    # A file, not memory: tests of concurrency and backups need a database several connections share.
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("DJANGO_TEST_DB_NAME", str(VAR_DIR / "test.sqlite3"))}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared by every worker process: the database cache by default, Redis when REDIS_URL is set.
if os.environ.get("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": os.environ["REDIS_URL"]}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                          "LOCATION": "tracker_cache"}}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, answering every permission question of a request from one query.
    "tracker.backends.OneQueryModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
# How long the links in invitation and password-reset e-mails work.
INVITATION_VALID_DAYS = int(os.environ.get("INVITATION_VALID_DAYS", "3"))
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_HOURS", "24")) * 60 * 60

AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Where the lockout reads the client's address (django-axes through django-ipware). Each reverse proxy in front
# appends the address it saw to X-Forwarded-For, so the client is the entry the outermost proxy added; entries
# further left are whatever the client sent, and are never used. Without proxies only REMOTE_ADDR counts.
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "0"))
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if TRUSTED_PROXY_COUNT else ["REMOTE_ADDR"]
AXES_IPWARE_PROXY_ORDER = "left-most"
# ipware counts the proxies listed in the header after the client; the nearest one is REMOTE_ADDR, not listed.
AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT - 1 if TRUSTED_PROXY_COUNT else None
IPWARE_STRICT = False  # the client's own entries on the left are expected, not a reason to give up

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every request when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Blind forecasting: on an open prediction, the community median and others' forecasts stay hidden from a user
# until they have made their own, so that nobody anchors on the crowd.
BLIND_FORECASTING = env_flag("TRACKER_BLIND_FORECASTING")

# Requests per API token in each window of seconds, counted in the shared cache; past it, 429 with Retry-After.
API_RATE_LIMIT = int(os.environ.get("API_RATE_LIMIT", "600"))
API_RATE_WINDOW = int(os.environ.get("API_RATE_WINDOW", "60"))

# An uploaded bundle larger than this is refused before it is parsed.
BUNDLE_MAX_BYTES = int(os.environ.get("BUNDLE_MAX_BYTES", str(5 * 1024 * 1024)))
# A transcript (uploaded or pasted) larger than this is refused before it is parsed.
TRANSCRIPT_MAX_BYTES = int(os.environ.get("TRANSCRIPT_MAX_BYTES", str(10 * 1024 * 1024)))
# A price file (CSV) larger than this is refused before it is parsed; ten years of daily prices are about 200 KB.
PRICES_MAX_BYTES = int(os.environ.get("PRICES_MAX_BYTES", str(5 * 1024 * 1024)))
# A request body larger than this is refused (413) by its Content-Length, before any of it is read. The margin
# lets an upload a little too large reach its page, which says how large it may be.
REQUEST_BODY_MAX_BYTES = max(BUNDLE_MAX_BYTES, TRANSCRIPT_MAX_BYTES, PRICES_MAX_BYTES) + 1024 * 1024
# Before logging in, the only body anyone needs to send is the login form's.
ANONYMOUS_BODY_MAX_BYTES = 64 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_MAX_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_MAX_BYTES

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
# Sessions are read from the shared cache (Redis, or the database cache's one-row lookup) and written through to
# the database, so they survive a cache flush or a restart; a logout deletes both copies. Each row also names its
# user, so deactivating an account ends its sessions with one indexed DELETE (tracker/sessions.py).
SESSION_ENGINE = "tracker.sessions"

if not DEBUG:
    SECURE_SSL_REDIRECT = env_flag("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = env_flag("DJANGO_SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = env_flag("DJANGO_SECURE_COOKIES", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Mail (reminder digests): one EMAIL_URL, read strictly (tracker/mailers.py). Development prints mail on the console.
try:
    MAILERS = {"default": mailer_from_url(os.environ.get("EMAIL_URL") or ("console:" if DEBUG else "smtp://localhost:25"))}
except BadEmailURL as error:
    raise ImproperlyConfigured(str(error)) from None
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Thesis Tracker <tracker@localhost>")
# A transient SMTP failure (4xx, a dropped connection) is tried again within the run after these pauses (seconds).
REMINDER_RETRY_PAUSES = (1.0, 4.0)
# The app's public address, for links in messages and feeds, which have no request to take it from.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
if not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"SITE_URL={SITE_URL!r} must start with http:// or https://.")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    # Django's own default prints only with DEBUG on; errors (a 500, a request for a host we do not serve)
    # must reach the console in production too.
    "loggers": {"django": {"handlers": ["console"], "level": "INFO" if DEBUG else "ERROR"},
                "tracker": {"handlers": ["console"], "level": "WARNING"}},
}
