"""The test suite: fast hashing, plain static storage (no collectstatic needed)."""

import os
import tempfile
from pathlib import Path

import jinja2

from .dev import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
# Pages are not cached in tests but in tests/test_cache.py, which turns it on.
PAGE_CACHE_SECONDS = 0
FRAGMENT_CACHE_SECONDS = 0
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# A misspelt variable in a reader page fails its test instead of rendering as nothing.
TEMPLATES[0]["OPTIONS"]["undefined"] = jinja2.StrictUndefined  # noqa: F405
# No cache database either: the tests' cache is in memory (tests/test_cache.py also runs the
# default database cache, in processes of their own).
DATABASES.pop("cache", None)  # noqa: F405
DATABASE_ROUTERS = []
# Browser imports answer in the request, as the admin tests expect; tests/test_jobs.py runs
# them in the background.
IMPORT_JOBS = os.environ.get("IMPORT_JOBS", "inline")
IMPORT_JOBS_DIR = Path(os.environ.get("IMPORT_JOBS_DIR")
                       or Path(tempfile.gettempdir()) / "newsroom-test-import-jobs")
