"""The public page cache.

Every cached page is keyed by the content version: one number, the time of the last change to
anything readers see. A change anywhere bumps it, so no page is ever stale after an edit, and the
version doubles as the pages' Last-Modified time. Staff (anyone with a session) bypass the cache.
"""

import hashlib
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Min
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date

VERSION_KEY = "newsroom:content-version"
_KEPT_HEADERS = ("Content-Type", "Content-Language", "X-Robots-Tag")


def content_version():
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, time.time(), None)
        version = cache.get(VERSION_KEY) or time.time()
    return version


def _set_new_version():
    cache.set(VERSION_KEY, max(time.time(), (cache.get(VERSION_KEY) or 0) + 0.001), None)


def bump_content_version():
    """Call after any write readers can see; signals do it for single saves and deletes."""
    _set_new_version()
    # Again once the transaction commits: a page rendered meanwhile from the old rows may have
    # been stored under the first new version.
    transaction.on_commit(_set_new_version)


def _seconds_until_next_scheduled():
    from .models import Article  # the cache module is imported by models' signals

    upcoming = Article.objects.filter(
        status=Article.Status.PUBLISHED, published_at__gt=timezone.now()
    ).aggregate(next=Min("published_at"))["next"]
    if upcoming is None:
        return None
    return max(1, int((upcoming - timezone.now()).total_seconds()) + 1)


def public_cache(view):
    """Serve a public GET from the cache; store it on a miss. Adds Last-Modified and
    Cache-Control; ConditionalGetMiddleware then answers If-None-Match / If-Modified-Since."""

    @wraps(view)
    def cached_view(request, *args, **kwargs):
        if (
            not settings.PAGE_CACHE_SECONDS
            or request.method not in ("GET", "HEAD")
            or settings.SESSION_COOKIE_NAME in request.COOKIES
        ):
            return view(request, *args, **kwargs)
        version = content_version()
        path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"newsroom:page:{version}:{path}"
        entry = cache.get(key)
        if entry is None:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            if response.status_code != 200 or response.streaming:
                return response
            entry = {
                "content": response.content,
                "headers": {h: response[h] for h in _KEPT_HEADERS if h in response},
                "csp_script_hashes": getattr(request, "csp_script_hashes", []),
            }
            timeout = settings.PAGE_CACHE_SECONDS
            until_scheduled = _seconds_until_next_scheduled()
            if until_scheduled is not None:
                timeout = min(timeout, until_scheduled)
            cache.set(key, entry, timeout)
        else:
            request.csp_script_hashes = entry["csp_script_hashes"]
        response = HttpResponse(entry["content"])
        for header, value in entry["headers"].items():
            response[header] = value
        response["Last-Modified"] = http_date(version)
        patch_cache_control(response, public=True, max_age=settings.PAGE_MAX_AGE)
        patch_vary_headers(response, ["Cookie"])
        return response

    return cached_view
