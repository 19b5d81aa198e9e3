"""Kaohe's one settings module, driven by environment variables.

KAOHE_DATABASE_URL   database (default: a SQLite file under KAOHE_DATA_DIR)
KAOHE_DATA_DIR       folder for the SQLite file and generated files (default: ./var)
KAOHE_SECRET_KEY     required when KAOHE_DEBUG is off
KAOHE_DEBUG          "1" for development (default "1" unless KAOHE_PRODUCTION=1)
KAOHE_ALLOWED_HOSTS  comma-separated host names
KAOHE_PRODUCTION     "1" switches on secure cookies, HSTS and SSL redirect
KAOHE_REDIS_URL      task queue broker in production (empty: background work runs inline)
KAOHE_DOCUMENT_TEMPLATES  folder of a county's or township's own Word templates (docs/word-documents.md)
KAOHE_CJK_FONT       font file with the Chinese glyphs for the documents' charts (default: found)
KAOHE_FORECAST_CONFIG     a county's own forecast configuration file (docs/forecasts.md)
KAOHE_PUSH_URLS      addresses the pages and the API may push values to (docs/levels.md); the
                     push's credentials: KAOHE_PUSH_TOKEN, or KAOHE_PUSH_USER and KAOHE_PUSH_PASSWORD
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("KAOHE_DATA_DIR", Path.cwd() / "var")).resolve()

PRODUCTION = os.environ.get("KAOHE_PRODUCTION", "0") == "1"
DEBUG = os.environ.get("KAOHE_DEBUG", "0" if PRODUCTION else "1") == "1"
SECRET_KEY = os.environ.get("KAOHE_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise RuntimeError(
            "KAOHE_SECRET_KEY must be set in production / 生产环境必须设置 KAOHE_SECRET_KEY"
        )
    SECRET_KEY = "kaohe-development-only-not-secret"
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("KAOHE_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "kaohe.core",
    "kaohe.audit",
    "kaohe.accounts",
    "kaohe.bundles",
    "kaohe.orgunits",
    "kaohe.elements",
    "kaohe.datavalues",
    "kaohe.schemes",
    "kaohe.contracts",
    "kaohe.assessments",
    "kaohe.submissions",
    "kaohe.appeals",
    "kaohe.rewards",
    "kaohe.remediation",
    "kaohe.validation",
    "kaohe.entry",
    "kaohe.quality",
    "kaohe.checks",
    "kaohe.forecasts",
    "kaohe.interop",
    "kaohe.levels",
    "kaohe.documents",
    "kaohe.web",
    "kaohe.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "kaohe.urls"
WSGI_APPLICATION = "kaohe.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "kaohe.core.context_processors.access",
            ],
        },
    },
]

_default_db = "sqlite:///" + str(DATA_DIR / "kaohe.sqlite3")
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("KAOHE_DATABASE_URL", _default_db), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default must work on a fresh machine with no set-up at all.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the web server read while an import writes; the timeout waits out short locks.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = ["kaohe.accounts.backends.ThrottledModelBackend"]
# Login throttling per user name + address: failures allowed within the window (seconds), and
# how long the lock lasts.
KAOHE_LOGIN_MAX_FAILURES = int(os.environ.get("KAOHE_LOGIN_MAX_FAILURES", "5"))
KAOHE_LOGIN_FAILURE_WINDOW = int(os.environ.get("KAOHE_LOGIN_FAILURE_WINDOW", "900"))
KAOHE_LOGIN_LOCKOUT = int(os.environ.get("KAOHE_LOGIN_LOCKOUT", "900"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("KAOHE_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "/"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kaohe 考核 API",
    "DESCRIPTION": "Target-responsibility assessment: units, data, schemes and results.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Several models have a "status"; each choice set gets a name of its own in the schema.
    "ENUM_NAME_OVERRIDES": {
        "RunStatusEnum": "kaohe.assessments.models.RunStatus",
        "OfficialRoleEnum": "kaohe.orgunits.models.OfficialRole",
        "MembershipRoleEnum": "kaohe.accounts.models.Role",
        "SubmissionStatusEnum": "kaohe.submissions.models.Status",
        "ContractStatusEnum": "kaohe.contracts.models.ContractStatus",
        "AppealStatusEnum": "kaohe.appeals.models.AppealStatus",
        "AppealStepEnum": "kaohe.appeals.models.AppealStep",
        "DesignationStatusEnum": "kaohe.remediation.models.DesignationStatus",
        "RemediationPlanStatusEnum": "kaohe.remediation.models.PlanStatus",
        "AcceptanceOutcomeEnum": "kaohe.remediation.models.Outcome",
        "ValidationResultStatusEnum": "kaohe.validation.models.ResultStatus",
        "MissingValueStrategyEnum": "kaohe.validation.models.MissingStrategy",
        "PushStatusEnum": "kaohe.levels.models.PushStatus",
    },
}

# --- security (docs/deployment.md; `manage.py check --deploy` is clean in production) ------
# Everywhere: no framing, no MIME sniffing, no full URLs (with run ids) in Referer headers to
# other sites, cookies out of reach of scripts and of cross-site requests.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if PRODUCTION:
    # HTTPS only: cookies never travel in clear, browsers remember to use HTTPS for a year.
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = os.environ.get("KAOHE_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = int(os.environ.get("KAOHE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Behind the reverse proxy, which terminates TLS and must set (overwrite) this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Background work: recomputations go through this Redis (kaohe worker); empty: inline.
KAOHE_REDIS_URL = os.environ.get("KAOHE_REDIS_URL", "")

# Documents: a folder of Word templates that replace the library's defaults, and the font the
# charts in them are drawn with (empty: the first installed font with the Chinese glyphs).
KAOHE_DOCUMENT_TEMPLATES = os.environ.get("KAOHE_DOCUMENT_TEMPLATES", "")
KAOHE_CJK_FONT = os.environ.get("KAOHE_CJK_FONT", "")
# Forecasts: a county's own configuration file (empty: the 2026 library's).
KAOHE_FORECAST_CONFIG = os.environ.get("KAOHE_FORECAST_CONFIG", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KAOHE_LOG_LEVEL", "WARNING")},
}
