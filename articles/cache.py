"""The public page cache, and the story fragment cache beneath it.

Every cached page or fragment is keyed by the content version: one number, the time of the last
change to anything readers see. A change anywhere bumps it, so nothing is stale after an edit,
and the version bounds the pages' Last-Modified time from below. Staff (anyone with a session)
bypass the page cache; the story fragment serves them too, as it holds nothing per user.
"""

import hashlib
import time
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Max, Min, Q
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.utils.safestring import mark_safe

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


def _publication_times():
    """(the latest publication that has gone live, the next one scheduled), in one query.

    Scheduled articles go live without any write, so neither the content version nor the cache
    notices: the first bounds Last-Modified from below, the second the cache lifetime."""
    from .models import Article  # the cache module is imported by models' signals

    now = timezone.now()
    times = Article.objects.filter(status=Article.Status.PUBLISHED).aggregate(
        latest=Max("published_at", filter=Q(published_at__lte=now)),
        upcoming=Min("published_at", filter=Q(published_at__gt=now)),
    )
    return times["latest"], times["upcoming"]


# The query parameters that change a public page: the list's filters, pagination, the
# sitemaps' page. Any other parameter is ignored by the views, so it must not make a new
# cache entry either (or anyone could fill the cache with ?x=1, ?x=2, ...).
PAGE_PARAMETERS = ("q", "tag", "source", "language", "published_after", "published_before",
                   "has_video", "page", "p")


def page_parameters(request):
    """The query parameters the views read, in a fixed order of names; a parameter's values
    keep their order (a filter reads the last one). Pages link with these only: a cached page
    or fragment is shared by every request with the same ones, so it must not repeat others."""
    return [(name, value) for name in PAGE_PARAMETERS for value in request.GET.getlist(name)]


def _page_address(request):
    return f"{request.path}?{urlencode(page_parameters(request))}"


def _page_key(request):
    # Host and scheme too: canonical links, feeds, sitemaps and robots.txt name them.
    page = f"{request.scheme}://{request.get_host()}{_page_address(request)}"
    return hashlib.sha256(page.encode()).hexdigest()


def listing_fragment_name(request):
    """The name of a list page's cards fragment: its links are relative, so no host."""
    return "listing:" + hashlib.sha256(_page_address(request).encode()).hexdigest()


def cached_value(name, compute):
    """What `compute()` returns, from the cache while the content version holds.

    For the costly part of a page that the page cache does not cover (staff, pages cached
    elsewhere, the page cache off): the same invalidation, the same bound by the next
    scheduled publication (a sidebar links to an article only once it is public)."""
    if not settings.FRAGMENT_CACHE_SECONDS:
        return compute()
    key = f"newsroom:fragment:{content_version()}:{name}"
    value = cache.get(key)
    if value is None:
        value = compute()
        timeout = settings.FRAGMENT_CACHE_SECONDS
        _, upcoming = _publication_times()
        if upcoming is not None:
            until = int((upcoming - timezone.now()).total_seconds()) + 1
            timeout = max(1, min(timeout, until))
        cache.set(key, value, timeout)
    return value


def cached_fragment(name, render):
    """The HTML `render()` returns, cached as cached_value() does."""
    return mark_safe(cached_value(name, render))  # noqa: S308 - our templates, autoescaped


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
            response = view(request, *args, **kwargs)
            if settings.SESSION_COOKIE_NAME in request.COOKIES:
                # Maybe a staff preview of a draft: no shared cache (CDN) may keep it.
                patch_cache_control(response, private=True, no_store=True)
            return response
        version = content_version()
        key = f"newsroom:page:{version}:{_page_key(request)}"
        entry = cache.get(key)
        if entry is None:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            if response.status_code != 200 or response.streaming:
                return response
            latest, upcoming = _publication_times()
            entry = {
                "content": response.content,
                "headers": {h: response[h] for h in _KEPT_HEADERS if h in response},
                "csp_script_hashes": getattr(request, "csp_script_hashes", []),
                "last_modified": max(version, latest.timestamp() if latest else 0),
            }
            timeout = settings.PAGE_CACHE_SECONDS
            if upcoming is not None:
                until = int((upcoming - timezone.now()).total_seconds()) + 1
                timeout = max(1, min(timeout, until))
            entry["expires_at"] = time.time() + timeout
            cache.set(key, entry, timeout)
        else:
            request.csp_script_hashes = entry["csp_script_hashes"]
        response = HttpResponse(entry["content"])
        for header, value in entry["headers"].items():
            response[header] = value
        # HTTP dates count whole seconds: a date for a change made in the current second could
        # still be followed by another change in that second, so none is given until it ends
        # (the ETag covers it meanwhile).
        if int(entry["last_modified"]) < int(time.time()):
            response["Last-Modified"] = http_date(entry["last_modified"])
        # Browsers and CDNs may keep it no longer than we do (a scheduled article is due).
        max_age = max(0, min(settings.PAGE_MAX_AGE, int(entry["expires_at"] - time.time())))
        patch_cache_control(response, public=True, max_age=max_age)
        patch_vary_headers(response, ["Cookie"])
        return response

    return cached_view
