"""Settings shared by every environment; values that differ between machines come from the
environment. Development defaults are safe for a laptop; production.py refuses them."""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_list(name, default=()):
    value = os.environ.get(name, "")
    return [item.strip() for item in value.split(",") if item.strip()] or list(default)


def cache_from_url(url):
    """CACHE_URL: db:// (the default), redis://host:port/db, rediss://…, locmem:// or dummy://."""
    parts = urlsplit(url)
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    if parts.scheme in ("redis", "rediss", "unix"):
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": options.get("prefix", "newsroom"),
        }
    if parts.scheme == "db":
        # Django's database cache: shared by every process (web workers, the import, the job
        # worker) with no server to run. Its table is made by `migrate` (articles.apps).
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": parts.netloc or "newsroom_cache",
            "OPTIONS": {"MAX_ENTRIES": int(options.get("max_entries", 20_000)),
                        "CULL_FREQUENCY": 4},
        }
    if parts.scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": parts.netloc or "newsroom"}
    if parts.scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    raise ImproperlyConfigured(f"CACHE_URL scheme {parts.scheme!r} is not supported: use "
                               "db://, redis://, rediss://, locmem:// or dummy://")


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", default=False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "taggit",
    "django_filters",
    "adminsortable2",  # the sidebar editor's drag and drop (its static files and templates)
    "csp",
    "axes",
    "reversion",  # an article's revisions: see articles/revisions.py
    "django_tasks",
    "django_tasks_db",
    "articles",
]

MIDDLEWARE = [
    # First: refuses an oversized body (413) before anything reads it.
    "newsroom.middleware.RequestBodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Response headers only: before the page cache, so that its hits get them too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "newsroom.middleware.ContentSecurityPolicyMiddleware",
    # Answers a cached public page here: nothing below is needed for it.
    "articles.cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # Counts failed logins and locks out brute force before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "newsroom.middleware.client_ip"
# How many proxies (load balancer, CDN) stand in front of the app and append to X-Forwarded-For.
PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))

# Request bodies. Django's defaults, said here on purpose: a body over DATA_UPLOAD_MAX_MEMORY_SIZE
# is refused with 413 before it is read (newsroom.middleware.RequestBodyLimitMiddleware), except
# on the admin's import page, which takes uploads.MAX_UPLOAD_BYTES. One upload takes at most
# DATA_UPLOAD_MAX_NUMBER_FILES files; the import page asks for a zip beyond that.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # 2.5 MB
DATA_UPLOAD_MAX_NUMBER_FILES = 1000

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

TEMPLATES = [
    # The reader pages: Jinja2 renders them several times faster than Django's templates.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "articles.templating.environment",
            "context_processors": ["articles.context_processors.site"],
            "trim_blocks": True,
            "lstrip_blocks": True,
        },
    },
    # The admin, robots.txt and the sitemaps.
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "articles.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
_SQLITE_OPTIONS = {
    # WAL lets readers (the web workers) go on while an import writes, and makes each commit
    # cheap (the import commits batch by batch); IMMEDIATE takes the write lock at BEGIN, so
    # concurrent writers wait their turn instead of failing with "locked".
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(_SQLITE_OPTIONS)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHE_URL = os.environ.get("CACHE_URL") or "db://"
CACHES = {"default": cache_from_url(CACHE_URL)}
if (CACHES["default"]["BACKEND"].endswith("DatabaseCache")
        and DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"):
    # Beside an SQLite database, the cache gets a file of its own: its writes then never wait
    # for an import holding the main database's write lock (newsroom.routers).
    _main = Path(DATABASES["default"]["NAME"])
    DATABASES["cache"] = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(_main.with_name(f"{_main.stem}-cache{_main.suffix}")),
        "OPTIONS": dict(_SQLITE_OPTIONS),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
    }
    DATABASE_ROUTERS = ["newsroom.routers.CacheRouter"]
_CACHING = not CACHE_URL.startswith("dummy:")
# How long a public page is served from the cache; a change to what it shows invalidates it at
# once, and a scheduled article shortens it to its publication time.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "300" if _CACHING else "0"))
# How long a rendered story with its sidebar, or a list page's cards, is reused when the page
# itself is not served from the cache (staff, the page cache off); invalidated the same way.
FRAGMENT_CACHE_SECONDS = int(
    os.environ.get("FRAGMENT_CACHE_SECONDS", "300" if _CACHING else "0")
)
# How many pages and fragments each process also keeps in its own memory (the shared cache
# holds them all): a hit there costs no unpickling.
LOCAL_CACHE_ENTRIES = int(os.environ.get("LOCAL_CACHE_ENTRIES", "500"))
# A search with at most this many matches is ranked, best match first; a commoner one lists
# the newest first (see articles.search.matching).
SEARCH_RANKED_MATCHES = int(os.environ.get("SEARCH_RANKED_MATCHES", "2000"))
# What browsers and CDNs may keep without asking again.
PAGE_MAX_AGE = int(os.environ.get("PAGE_MAX_AGE", "60"))

# A strict policy: our own scripts, styles and images only; no inline script (the JSON-LD block
# is allowed by its hash, added per response).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Tags are case-insensitive so "Russia" from one file and "russia" from another are one tag.
TAGGIT_CASE_INSENSITIVE = True
# Tag slugs keep the name's own script ("россия"), as article and source slugs do (see
# articles/slugs.py): no transliteration.
TAGGIT_STRIP_UNICODE_WHEN_SLUGIFYING = False

# Browser imports run as background jobs ("background", the default) in the worker that
# `manage.py run_jobs` starts, or inside the upload's request ("inline": tests, tiny setups).
IMPORT_JOBS = os.environ.get("IMPORT_JOBS", "background")
if IMPORT_JOBS not in ("background", "inline"):
    raise ImproperlyConfigured(f"IMPORT_JOBS must be background or inline, not {IMPORT_JOBS!r}")
# Where an upload waits for the worker: one folder a job, removed when it ends. The web
# processes and the worker must all reach it (one host, or a shared volume).
IMPORT_JOBS_DIR = Path(os.environ.get("IMPORT_JOBS_DIR") or BASE_DIR / "import-jobs")
# The queue is a table of the database we already have: no Redis, no other server. PostgreSQL
# claims a task with SKIP LOCKED, so several workers never run one job twice.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Seconds a feed's fetch may take, the whole exchange (articles.polling): a slow partner's
# server holds up the worker's other feeds and jobs no longer than this.
FEEDS_TIMEOUT = float(os.environ.get("FEEDS_TIMEOUT", "10"))

# The newsroom's public name, used in page titles, feeds and structured data.
NEWSROOM_NAME = os.environ.get("NEWSROOM_NAME", "Newsroom")
# The publisher's logo in structured data (at most 600x60), and the picture a story is shared
# with (Open Graph, JSON-LD): static paths or absolute URLs, with their size in pixels.
NEWSROOM_IMAGES = {
    "logo": (os.environ.get("NEWSROOM_LOGO", "img/logo.png"),
             *map(int, os.environ.get("NEWSROOM_LOGO_SIZE", "600x60").split("x"))),
    "share": (os.environ.get("NEWSROOM_SHARE_IMAGE", "img/share.png"),
              *map(int, os.environ.get("NEWSROOM_SHARE_IMAGE_SIZE", "1200x630").split("x"))),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
