"""Settings for Solo CRM, read from the environment (see ``.env.example``)."""

import os
import secrets
from pathlib import Path

import dj_database_url

from solocrm.sqlite import install_pysqlite3

SQLITE_VERSION = install_pysqlite3()

BASE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SOLOCRM_HOME = Path(os.environ.get("SOLOCRM_HOME", Path.cwd() / "var")).resolve()
SOLOCRM_HOME.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if key := os.environ.get("SOLOCRM_SECRET_KEY"):
        return key
    key_file = SOLOCRM_HOME / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("SOLOCRM_DEBUG", False)
ALLOWED_HOSTS = env_list("SOLOCRM_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
SITE_URL = os.environ.get("SOLOCRM_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = [SITE_URL]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "solocrm.core",
    "solocrm.accounts",
    "solocrm.customers",
    "solocrm.sales",
    "solocrm.agenda",
    "solocrm.web",
    "solocrm.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "solocrm.core.middleware.AuditContextMiddleware",
    "solocrm.api.idempotency.IdempotencyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "solocrm.urls"
WSGI_APPLICATION = "solocrm.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "solocrm.web.context_processors.navigation",
            ],
        },
    }
]

# --- database -------------------------------------------------------------------------
# cache_size: a connection may keep up to 64 MB of pages (SQLite's default is 2 MB).
# Allocated as used, so a request reading a page of rows takes no more; an import or an
# analysis walking indexes of a million customers re-reads and re-writes far fewer pages
# (20,000 customers into a database of a million: 59 s with 2 MB, 30 s with 64 MB).
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA busy_timeout=20000",
    "PRAGMA foreign_keys=ON",
    "PRAGMA cache_size=-65536",
)
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": ";".join(SQLITE_PRAGMAS),
}
DATABASE_URL = os.environ.get(
    "SOLOCRM_DATABASE_URL", f"sqlite:///{SOLOCRM_HOME / 'solocrm.sqlite3'}"
)
# Connections outlive a request (a worker keeps its own): opening one on SQLite registers
# some forty Python functions, runs the PRAGMAs and starts with an empty page cache —
# about a sixth of a search request's time at a million customers.
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=600)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = dict(SQLITE_OPTIONS)
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("SOLOCRM_TEST_SQLITE_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- background jobs ------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- internationalisation -------------------------------------------------------------
LANGUAGE_CODE = os.environ.get("SOLOCRM_LANGUAGE", "en")
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("SOLOCRM_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
DEFAULT_CURRENCY = os.environ.get("SOLOCRM_CURRENCY", "CNY")

# --- static files ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = SOLOCRM_HOME / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = SOLOCRM_HOME / "media"

# --- email ----------------------------------------------------------------------------
EMAIL_HOST = os.environ.get("SOLOCRM_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("SOLOCRM_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("SOLOCRM_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("SOLOCRM_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("SOLOCRM_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("SOLOCRM_EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = os.environ.get("SOLOCRM_EMAIL_FROM", "Solo CRM <crm@localhost>")
EMAIL_BACKEND = os.environ.get(
    "SOLOCRM_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("SOLOCRM_EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)

# --- security -------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
_https = SITE_URL.startswith("https://")
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
SECURE_SSL_REDIRECT = _https and env_bool("SOLOCRM_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31536000 if _https else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _https
SECURE_HSTS_PRELOAD = _https
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if _https else None

from csp.constants import NONCE, NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
        "manifest-src": [SELF],
    }
}

AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_ENABLED = env_bool("SOLOCRM_AXES_ENABLED", True)

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if env_bool("SOLOCRM_FAST_HASHER", False):  # the test suite: hashing speed is not under test
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SOLOCRM_LOG_LEVEL", "WARNING")},
}

NINJA_PAGINATION_PER_PAGE = 50
