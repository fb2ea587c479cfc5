"""Public pages, and the fragments beneath them, cached by what they show.

A cached page or fragment remembers the content it was rendered from as keys: `article-12`,
`source-3`, `tag-7` for what it shows, `articles` for anything listing articles (front page,
lists, feeds, sitemaps), each with the mark the key had then. A change gives the keys it touches
new marks (see articles.signals.content_changed); an entry whose keys' marks moved is stale. So
an edit of one article leaves every other article's page cached, and the check holds across
processes and hosts, since the marks live in the shared cache. Each public response names its
keys in `Surrogate-Key` and `Cache-Tag` headers, for a CDN in front to purge by.

Staff (anyone with a session) bypass the page cache; fragments serve them too, as they hold
nothing per user. Scheduled articles go live without any write, so the next scheduled time
bounds every entry's lifetime.
"""

import hashlib
import threading
import time
from collections import OrderedDict
from contextlib import nullcontext
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.db import BaseDatabaseCache
from django.db import router, transaction
from django.db.models import Max, Min
from django.dispatch import Signal, receiver
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers, set_response_etag
from django.utils.http import http_date
from django.utils.safestring import mark_safe

from .filters import ArticleFilter
from .models import Article, Source, Story, TaggedArticle
from .publication import published_q
from .signals import MAX_NAMED, content_changed

LISTS = "articles"  # the key of everything that lists articles
EVERYTHING = "all"  # every entry depends on it: marked when a change touches too much to name,
# or when the shared cache has lost it
MAX_KEYS = MAX_NAMED  # a change touching more keys than this marks EVERYTHING instead
_MARK = "newsroom:changed:"
# Marked with every change, whatever it touches: a render during which it moved may hold rows
# from before the change, so it is served but not stored.
_ANY = "*"
_KEPT_HEADERS = ("Content-Type", "Content-Language", "X-Robots-Tag")

# Sent with the keys of content that changed once they are marked: a CDN purge hooks in here.
keys_changed = Signal()


def key_for(obj):
    """The cache key of an article, source or tag."""
    kind = {Article: "article", Source: "source", Story: "story"}.get(type(obj), "tag")
    return f"{kind}-{obj.pk}"


# -- marking changes ---------------------------------------------------------------------------


def invalidate(keys):
    """Mark `keys` changed once the transaction commits, at once outside one. A page rendered
    before that, from the rows the change replaced, kept the old marks (or saw the change mark
    move while it rendered), so it is stale either way. The keys a transaction touches are
    marked together when it commits: an import batch is one mark, not one per row."""
    keys = set(keys)
    if len(keys) > MAX_KEYS:
        keys = {EVERYTHING}
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _mark(keys)
        return
    # Keys from a transaction rolled back stay pending until the next commit marks them too:
    # a page rendered again for nothing, never a stale one.
    _pending.setdefault(connection.alias, set()).update(keys)
    transaction.on_commit(lambda: _mark(_pending.pop(connection.alias, set())))


_pending = {}  # database alias -> keys its open transaction changed


def _mark(keys):
    """A new mark for each key: the time of the change, and later than the key's last mark, so
    Last-Modified never goes back whatever the clocks of the hosts that made the changes."""
    if not keys:
        return
    if len(keys) > MAX_KEYS:
        keys = {EVERYTHING}
    names = [_MARK + key for key in (*keys, _ANY)]
    now = time.time()
    previous = cache.get_many(names)
    with _one_write():
        cache.set_many({name: max(now, previous.get(name, 0) + 0.001) for name in names}, None)
    keys_changed.send(sender=invalidate, keys=sorted(keys))


def _one_write():
    """The database cache writes each key of set_many in a transaction of its own: one
    transaction for them all."""
    backend = caches["default"]
    if isinstance(backend, BaseDatabaseCache):
        return transaction.atomic(using=router.db_for_write(backend.cache_model_class))
    return nullcontext()


@receiver(content_changed)
def content_changed_receiver(sender, articles=(), sources=(), tags=(), stories=(),
                             everything=False, **kwargs):
    """The keys a change touches: the articles, their sources, tags and stories, and the
    lists."""
    if everything:
        invalidate({EVERYTHING})
        return
    articles, sources, tags, stories = set(articles), set(sources), set(tags), set(stories)
    if articles and len(articles) <= MAX_KEYS:
        for source, story in Article.objects.filter(pk__in=articles).values_list("source",
                                                                                  "story"):
            sources.add(source)
            if story:
                stories.add(story)
        tags |= set(TaggedArticle.objects.filter(content_object__in=articles)
                    .values_list("tag", flat=True))
    invalidate({LISTS, *(f"article-{pk}" for pk in articles),
                *(f"source-{pk}" for pk in sources), *(f"tag-{pk}" for pk in tags),
                *(f"story-{pk}" for pk in stories)})


def _marks(keys):
    """{key: its mark, None if never marked} for `keys` and EVERYTHING, in one read.

    EVERYTHING is given a mark when it has none, so an entry made before the shared cache was
    cleared (or lost its marks) never matches the marks after it."""
    names = {_MARK + key: key for key in {*keys, EVERYTHING}}
    found = cache.get_many(list(names))
    if _MARK + EVERYTHING not in found:
        found[_MARK + EVERYTHING] = _first_mark(EVERYTHING)
    return {key: found.get(name) for name, key in names.items()}


def _first_mark(key):
    """The mark of a key never marked (or lost with the shared cache), given now: any later
    change marks it later."""
    cache.add(_MARK + key, time.time(), None)
    return cache.get(_MARK + key)


class _Entries:
    """Rendered pages and fragments: all of them in the shared cache, and the ones this process
    served last in its own memory too, where a hit costs no unpickling. An entry is fresh while
    its keys keep the marks it was rendered with; while the change mark has not moved since an
    entry was last found fresh, nothing has changed at all, and one small read says so."""

    def __init__(self):
        self.recent = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            entry = self.recent.get(key)
            if entry is not None:
                self.recent.move_to_end(key)
        if entry is None or entry["expires_at"] <= time.time():
            entry = cache.get(key)
            if entry is None:
                return None
            self._remember(key, entry)
        # Until a first change, the change mark is given one: else every hit, on a site
        # nobody has edited since its cache was made, would read all of its entry's marks.
        change = cache.get(_MARK + _ANY) or _first_mark(_ANY)
        if change == entry["checked_at"]:
            return entry
        if _marks(entry["marks"]) != entry["marks"]:
            with self.lock:
                self.recent.pop(key, None)
            return None
        entry["checked_at"] = change
        return entry

    def __contains__(self, key):
        return key in self.recent

    def put(self, key, entry, timeout):
        entry["expires_at"] = time.time() + timeout
        cache.set(key, entry, timeout)
        self._remember(key, entry)

    def _remember(self, key, entry):
        with self.lock:
            self.recent[key] = entry
            self.recent.move_to_end(key)
            while len(self.recent) > settings.LOCAL_CACHE_ENTRIES:
                self.recent.popitem(last=False)


_entries = _Entries()


# -- what a page shows -------------------------------------------------------------------------


def depends_on(request, *objects):
    """Record that the page being rendered shows `objects` (articles, sources, tags, or keys)."""
    keys = request.__dict__.setdefault("cache_keys", set())
    keys.update(obj if isinstance(obj, str) else key_for(obj) for obj in objects)


def _keys_of(request):
    return request.__dict__.get("cache_keys", set())


class _Render:
    """Renders a page or fragment and records what it shows. `marks` is what to store it with,
    or None when content changed while it rendered."""

    def __init__(self, request, render):
        outer = _keys_of(request)
        request.cache_keys = set()
        before = cache.get(_MARK + _ANY)
        try:
            self.value = render()
            self.keys = set(request.cache_keys)
        finally:
            request.cache_keys = outer | request.cache_keys
        # The marks and the change mark in one read: a change marked after it is seen as a
        # changed key; one marked before it, as a change during the render.
        marks = _marks([*self.keys, _ANY])
        self.checked_at = marks.pop(_ANY)
        self.marks = marks if self.checked_at == before else None

    def last_modified(self):
        return max((mark for mark in self.marks.values() if mark), default=time.time())


def _lifetime(seconds):
    """`seconds`, cut short by the next scheduled publication (it changes pages unannounced);
    and the latest publication that has gone live, which bounds Last-Modified from below."""
    times = Article.objects.filter(status=Article.Status.PUBLISHED).aggregate(
        latest=Max("published_at", filter=published_q()),
        upcoming=Min("published_at", filter=~published_q()),
    )
    if times["upcoming"] is not None:
        until = int((times["upcoming"] - timezone.now()).total_seconds()) + 1
        seconds = max(1, min(seconds, until))
    return seconds, times["latest"]


def cached_value(request, name, compute):
    """What `compute()` returns, from the cache while nothing it showed has changed.

    For the costly part of a page that the page cache does not cover (staff, the page cache
    off): the keys `compute` records with depends_on() are kept with the value, and recorded
    for the page again on a hit."""
    if not settings.FRAGMENT_CACHE_SECONDS:
        return compute()
    key = f"newsroom:fragment:{name}"
    entry = _entries.get(key)
    if entry is not None:
        depends_on(request, *entry["marks"])
        return entry["value"]
    rendered = _Render(request, compute)
    if rendered.marks is not None:
        timeout, _ = _lifetime(settings.FRAGMENT_CACHE_SECONDS)
        _entries.put(key, {"value": rendered.value, "marks": rendered.marks,
                           "checked_at": rendered.checked_at}, timeout)
    return rendered.value


def cached_fragment(request, name, render):
    """The HTML `render()` returns, cached as cached_value() does."""
    return mark_safe(cached_value(request, name, render))  # noqa: S308 - our templates, autoescaped


# -- the page cache ----------------------------------------------------------------------------


# What changes a public page: the list's filters (the FilterSet's), pagination, the sitemaps'
# page. Any other parameter is ignored by the views, so it must not make a new cache entry
# either (or anyone could fill the cache with ?x=1, ?x=2, ...).
PAGE_PARAMETERS = (*ArticleFilter.base_filters, "page", "p")


def page_parameters(request):
    """The query parameters the views read, in a fixed order of names; a parameter's values
    keep their order (a filter reads the last one). Pages link with these only: a cached page
    or fragment is shared by every request with the same ones, so it must not repeat others."""
    return [(name, value) for name in PAGE_PARAMETERS for value in request.GET.getlist(name)]


def _page_address(request):
    return f"{request.path}?{urlencode(page_parameters(request))}"


def listing_fragment_name(request):
    """The name of a list page's cards fragment: its links are relative, so no host."""
    return "listing:" + hashlib.sha256(_page_address(request).encode()).hexdigest()


def _page_key(request):
    # Host and scheme too: canonical links, feeds, sitemaps and robots.txt name them.
    page = f"{request.scheme}://{request.get_host()}{_page_address(request)}"
    # The number is the entries' format: a deploy that changes it starts a cache of its own.
    return "newsroom:page:2:" + hashlib.sha256(page.encode()).hexdigest()


def _rendered(response):
    if hasattr(response, "render") and callable(response.render):
        response = response.render()
    return response


def _name_keys(response, keys):
    """The Surrogate-Key (Fastly, Varnish) and Cache-Tag (Cloudflare) headers: what to purge."""
    keys = sorted(set(keys) - {EVERYTHING})
    if keys:
        response["Surrogate-Key"] = " ".join(keys)
        response["Cache-Tag"] = ",".join(keys)


def _serves_from_cache(request):
    return (settings.PAGE_CACHE_SECONDS and request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES)


def cached_page(request, key):
    """The response to `request` (one _serves_from_cache allows) from the page cache entry
    `key` (its _page_key), or None if there is no fresh one."""
    entry = _entries.get(key)
    if entry is None:
        return None
    request.csp_script_hashes = entry["csp_script_hashes"]
    return _response(entry)


class PageCacheMiddleware:
    """Answers a request the page cache holds before sessions, CSRF, authentication, the
    lockout check and URL resolving see it, as Django's FetchFromCacheMiddleware does: a hit
    needs none of them. After ConditionalGetMiddleware (a hit may be answered 304) and the
    Content-Security-Policy (a hit carries its page's hashes); the views store what it serves
    (public_cache)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = _page_key(request) if _serves_from_cache(request) else None
        # A page this process holds was stored by a public_cache view: no need to resolve.
        if key and (key in _entries or _cached_view(request)):
            response = cached_page(request, key)
            if response is not None:
                return response
            request.page_cache_missed = True  # the view need not look again
        return self.get_response(request)


def _cached_view(request):
    """Whether a public_cache view serves `request`'s path: the others (the desk, the health
    check) must not wait for the cache, or fail with it."""
    try:
        return getattr(resolve(request.path_info).func, "public_cache", False)
    except Resolver404:
        return False


def _response(entry):
    response = HttpResponse(entry["content"], headers=entry["headers"])
    # HTTP dates count whole seconds: a date for a change made in the current second could
    # still be followed by another change in that second, so none is given until it ends
    # (the ETag covers it meanwhile).
    if int(entry["last_modified"]) < int(time.time()):
        response["Last-Modified"] = http_date(entry["last_modified"])
    # Browsers and CDNs may keep it no longer than we do (a scheduled article is due).
    max_age = max(0, min(settings.PAGE_MAX_AGE, int(entry["expires_at"] - time.time())))
    response["Cache-Control"] = f"public, max-age={max_age}"
    return response


def _stored_headers(response, marks):
    """The headers every hit of a page repeats, worked out once when it is stored."""
    stored = HttpResponse(headers={h: response[h] for h in _KEPT_HEADERS if h in response})
    # Computed once: ConditionalGetMiddleware would hash the page on every hit.
    set_response_etag(response)
    stored["ETag"] = response["ETag"]
    # Set here, as CommonMiddleware would on a miss: a hit may be answered before it.
    stored["Content-Length"] = str(len(response.content))
    _name_keys(stored, marks)
    patch_vary_headers(stored, ["Cookie"])
    return dict(stored.items())


def public_cache(view, keys=()):
    """Serve a public GET from the cache while nothing it shows has changed; store it on a miss.
    Adds Last-Modified, Cache-Control and the surrogate keys; ConditionalGetMiddleware then
    answers If-None-Match / If-Modified-Since. `keys`: what the view shows without recording it
    (depends_on), such as a sitemap's LISTS. PageCacheMiddleware answers most hits before the
    view is reached."""

    @wraps(view)
    def cached_view(request, *args, **kwargs):
        def render():
            depends_on(request, *keys)
            return _rendered(view(request, *args, **kwargs))

        if not _serves_from_cache(request):
            response = render()
            if settings.SESSION_COOKIE_NAME in request.COOKIES:
                # Maybe a staff preview of a draft: no shared cache (CDN) may keep it.
                patch_cache_control(response, private=True, no_store=True)
            else:
                _name_keys(response, _keys_of(request))
            return response
        key = _page_key(request)
        if not getattr(request, "page_cache_missed", False):
            response = cached_page(request, key)
            if response is not None:
                return response
        rendered = _Render(request, render)
        response = rendered.value
        if response.status_code != 200 or response.streaming or rendered.marks is None:
            # An error, or content changed while it rendered: served, never stored.
            _name_keys(response, rendered.keys)
            return response
        timeout, latest = _lifetime(settings.PAGE_CACHE_SECONDS)
        entry = {
            "content": response.content,
            "headers": _stored_headers(response, rendered.marks),
            "csp_script_hashes": getattr(request, "csp_script_hashes", []),
            "marks": rendered.marks,
            "checked_at": rendered.checked_at,
            "last_modified": max(rendered.last_modified(),
                                 latest.timestamp() if latest else 0),
        }
        _entries.put(key, entry, timeout)
        return _response(entry)

    cached_view.public_cache = True  # what PageCacheMiddleware looks up
    return cached_view
