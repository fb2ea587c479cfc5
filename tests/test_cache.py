"""The public page cache (articles.cache.public_cache), turned on as in production: hits,
conditional requests, lifetimes bounded by scheduled articles, staff bypass, what is never
cached, and Content-Security-Policy hashes on cached pages.

A cached hit is recognised by running no SQL at all. How a change reaches the next request is
tests/test_cache_invalidation.py; Redis and the database cache, tests/test_cache_backends.py;
the fragments beneath pages, tests/test_fragments.py.
"""

import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends import locmem
from django.db import connection
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import http_date, parse_http_date

import articles.cache
from articles.cache import invalidate, public_cache
from articles.models import Article
from tests.cache_helpers import (
    ARTICLE_URL,
    HEADLINE,
    json_ld_hash,
    page,
    queries_for,
    script_src,
    warm,
)
from tests.factories import make_article

# Transactions really commit here: a change is marked in the cache when its transaction
# commits, as in production. The cache is on (PAGE_CACHE_SECONDS=300), cleared before and after.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("page_cache")]


PAGES = [
    "/",
    ARTICLE_URL,
    "/articles/",
    "/articles/?q=ministers",
    "/tags/sahel/",
    "/sources/wire-one/",
    "/feeds/rss/",
    "/feeds/atom/",
    "/tags/sahel/rss/",
    "/sources/wire-one/atom/",
    "/sitemap.xml",
    "/sitemap-articles.xml",
    "/sitemap-news.xml",
    "/robots.txt",
]


def changed_a_minute_ago(client, url, monkeypatch):
    """As if everything `url` shows last changed a minute ago (its keys, from its Surrogate-Key
    header, marked then on an empty cache). Returns that time."""
    keys = client.get(url)["Surrogate-Key"].split()
    cache.clear()
    then = time.time() - 60
    with monkeypatch.context() as patched:
        patched.setattr(articles.cache, "time", Clock(then))
        invalidate([*keys, articles.cache.EVERYTHING])
    return then


class Clock:
    """Stands in for the `time` module of one module under test; set `now` to move it."""

    def __init__(self, now):
        self.now = now

    def time(self):
        return self.now


def page_timeouts(calls):
    return [timeout for key, timeout in calls if key.startswith("newsroom:page:")]


# -------------------------------------------------------------------------------------------
# Hits


@pytest.mark.parametrize("url", PAGES)
def test_second_anonymous_get_runs_no_queries_and_is_identical(client, article, url,
                                                                django_assert_num_queries):
    first = client.get(url)
    assert first.status_code == 200
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second.status_code == 200
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert "public" in second["Cache-Control"]
    assert "max-age=60" in second["Cache-Control"]
    assert "Cookie" in second["Vary"]


@pytest.mark.parametrize("url", PAGES)
def test_a_hit_carries_the_headers_of_the_miss_that_stored_it(client, article, url):
    # A hit is answered before half the middleware runs: whatever that half adds to a miss
    # (Content-Length, X-Frame-Options, Vary, the policy) it must carry too.
    first = client.get(url)
    second = client.get(url)
    assert queries_for(client, url)[1] == 0  # a hit indeed
    # Last-Modified is given once the second of the page's last change has passed (see
    # cache._response): the hit may be the first response past it.
    dated = {"Last-Modified"}
    assert set(second.headers) - dated == set(first.headers) - dated
    for header in set(first.headers) - dated:
        assert second[header] == first[header], header


def test_a_hit_reads_one_mark_on_a_site_nobody_has_edited_since_its_cache_was_made(
        client, article, monkeypatch):
    cache.clear()  # the cache of a site nobody has edited since: no change marked yet
    warm(client, ARTICLE_URL)
    backend = caches["default"]
    reads = []
    get_many = backend.get_many
    monkeypatch.setattr(backend, "get_many", lambda keys: reads.append(keys) or get_many(keys))
    for _ in range(4):
        assert queries_for(client, ARTICLE_URL)[1] == 0
    # Warming read the page's own marks once; after it, the change mark alone says that
    # nothing changed.
    assert reads == []


def test_pages_are_not_cached_when_the_setting_is_off(client, article, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client.get("/")
    _, count = queries_for(client, "/")
    assert count > 0


def test_query_strings_are_cached_apart(client, article):
    make_article("Another story about rain", source=article.source, slug="rain",
                 body="Heavy rain fell on the capital.")
    warm(client, "/articles/?q=ministers", "/articles/?q=rain")
    ministers = page(client, "/articles/?q=ministers")
    rain = page(client, "/articles/?q=rain")
    assert HEADLINE in ministers and "Another story about rain" not in ministers
    assert "Another story about rain" in rain and HEADLINE not in rain


def test_head_is_served_from_the_cache(client, article):
    warm(client, "/")
    with CaptureQueriesContext(connection) as queries:
        response = client.head("/")
    assert response.status_code == 200
    assert len(queries) == 0
    assert response.content == b""


def test_parameters_no_view_reads_share_one_entry(client, article):
    warm(client, "/articles/?q=ministers&utm_source=mail")
    assert queries_for(client, "/articles/?utm_source=other&q=ministers")[1] == 0


def test_each_host_gets_its_own_entry(client, article, settings):
    settings.ALLOWED_HOSTS = ["news.example.com", "mirror.example.org"]
    first = client.get("/robots.txt", HTTP_HOST="news.example.com").content.decode()
    second = client.get("/robots.txt", HTTP_HOST="mirror.example.org").content.decode()
    assert "http://news.example.com/sitemap.xml" in first
    assert "http://mirror.example.org/sitemap.xml" in second


# -------------------------------------------------------------------------------------------
# Scheduled publishing


def test_a_cached_page_without_scheduled_articles_keeps_the_full_timeout(client, article,
                                                                          recorded_sets):
    page(client, "/")
    assert page_timeouts(recorded_sets) == [300]


def test_a_scheduled_article_shortens_the_cache_timeout(client, article, recorded_sets):
    make_article("Scheduled: the summit opens", source=article.source, slug="summit",
                 published_at=timezone.now() + timedelta(seconds=30))

    html = page(client, "/")

    assert "Scheduled: the summit opens" not in html
    assert HEADLINE in html
    [timeout] = page_timeouts(recorded_sets)
    assert 1 <= timeout <= 31


def travel(monkeypatch, seconds):
    """Move the clocks the pages, the content version and the local-memory cache read."""
    real_now, real_time = timezone.now, locmem.time.time
    monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(seconds=seconds))
    clock = SimpleNamespace(time=lambda: real_time() + seconds)
    monkeypatch.setattr(locmem, "time", clock)
    monkeypatch.setattr(articles.cache, "time", clock)


def test_a_scheduled_article_appears_when_its_time_comes(client, article, monkeypatch):
    make_article("Scheduled: the summit opens", source=article.source, slug="summit",
                 published_at=timezone.now() + timedelta(seconds=30))
    warm(client, "/")
    assert "Scheduled: the summit opens" not in page(client, "/")
    page(client, "/articles/summit/", status=404)

    travel(monkeypatch, 32)

    assert "Scheduled: the summit opens" in page(client, "/")
    assert "Scheduled: the summit opens" in page(client, "/articles/summit/")


def test_a_scheduled_article_going_live_is_not_answered_not_modified(client, article,
                                                                     monkeypatch):
    """A client revalidating with If-Modified-Since alone (no ETag) must get the new page once
    the scheduled article is live: Last-Modified has to move forward when it goes live."""
    make_article("Scheduled: the summit opens", source=article.source, slug="summit",
                 published_at=timezone.now() + timedelta(seconds=30))
    changed_a_minute_ago(client, "/", monkeypatch)
    before = client.get("/")
    assert "Scheduled: the summit opens" not in before.content.decode()
    assert before.has_header("Last-Modified")

    travel(monkeypatch, 32)

    after = client.get("/", HTTP_IF_MODIFIED_SINCE=before["Last-Modified"])
    assert after.status_code == 200, (
        f"304 Not Modified although the page changed; Last-Modified is still "
        f"{after.get('Last-Modified')} (was {before['Last-Modified']})"
    )
    assert "Scheduled: the summit opens" in after.content.decode()


# -------------------------------------------------------------------------------------------
# Conditional requests


@pytest.mark.parametrize("url", ["/", ARTICLE_URL, "/feeds/rss/", "/sitemap.xml"])
def test_conditional_get_answers_not_modified(client, article, url, monkeypatch):
    changed = changed_a_minute_ago(client, url, monkeypatch)
    first = client.get(url)
    hit = client.get(url)
    for response in (first, hit):
        assert response.has_header("ETag")
        assert response.has_header("Last-Modified")
    assert hit["ETag"] == first["ETag"]
    assert hit["Last-Modified"] == first["Last-Modified"]
    # Last-Modified is the last change to what the page shows: here a minute ago.
    assert parse_http_date(first["Last-Modified"]) == int(changed)

    by_etag = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert by_etag.status_code == 304
    assert by_etag.content == b""

    by_date = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert by_date.status_code == 304
    assert by_date.content == b""

    older = http_date(parse_http_date(first["Last-Modified"]) - 3600)
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=older).status_code == 200
    assert client.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


def test_after_a_change_the_old_etag_gets_the_new_page(client, article):
    first = client.get("/")
    article.headline = "A corrected headline about the joint force"
    article.save()

    response = client.get("/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert response.status_code == 200
    assert "A corrected headline about the joint force" in response.content.decode()
    assert response["ETag"] != first["ETag"]


def test_a_date_given_before_a_change_never_validates_the_changed_page(client, article,
                                                                         monkeypatch):
    """HTTP dates have whole seconds. A reader who fetched the page at 0.2 s past a second and
    revalidates with If-Modified-Since at 0.8 s, after a change at 0.5 s, must get the new page:
    a 304 would keep the stale copy for another max-age. (Omitting Last-Modified while the
    version's second is not over would be one fix.)"""
    clock = Clock(int(time.time()) + 100)
    monkeypatch.setattr(articles.cache, "time", clock)
    cache.clear()  # nothing cached, no change marked: the pages' dates start now, at .2
    clock.now += 0.2
    before = [client.get("/"), client.get(ARTICLE_URL)]
    clock.now += 0.3
    article.headline = "A corrected headline about the joint force"
    article.save()
    clock.now += 0.3

    dates = {r.wsgi_request.path: r["Last-Modified"] for r in before if "Last-Modified" in r}
    for url, date in dates.items():
        response = client.get(url, HTTP_IF_MODIFIED_SINCE=date)
        assert response.status_code == 200, (
            f"{url}: 304 for a changed page; Last-Modified {date} before the change, "
            f"{response.get('Last-Modified')} after"
        )
        assert "A corrected headline about the joint force" in response.content.decode()
    # Once that second is over, the page has a date again, and it validates.
    clock.now += 2
    later = client.get("/")
    assert later.has_header("Last-Modified")
    assert client.get("/", HTTP_IF_MODIFIED_SINCE=later["Last-Modified"]).status_code == 304


def test_last_modified_is_never_in_the_future(client, article, monkeypatch):
    start = int(time.time()) + 100
    clock = Clock(start + 0.5)
    monkeypatch.setattr(articles.cache, "time", clock)
    for number in range(20):  # a burst of changes within one second, as an import makes
        article.headline = f"Headline version {number}"
        article.save()
    for step in (0.4, 1, 60):
        clock.now += step
        response = client.get("/")
        if "Last-Modified" in response:
            assert parse_http_date(response["Last-Modified"]) <= clock.now
    # A minute on, the page has a date, and it is no earlier than the burst.
    assert start <= parse_http_date(response["Last-Modified"]) <= clock.now


# -------------------------------------------------------------------------------------------
# Staff (anyone with a session) bypass the cache; readers never see what staff saw


def test_staff_requests_are_never_served_from_the_cache(client, article, staff):
    warm(client, "/", ARTICLE_URL)
    for url in ("/", ARTICLE_URL):
        response, count = queries_for(staff, url)
        assert response.status_code == 200
        assert count > 0, f"staff got {url} from the public cache"


def test_staff_pages_are_not_stored_for_readers(client, article, staff):
    for url in ("/", ARTICLE_URL):
        assert staff.get(url).status_code == 200
        response, count = queries_for(client, url)
        assert response.status_code == 200
        assert count > 0, f"a reader got the page staff rendered for {url}"


def test_staff_preview_a_draft_and_readers_get_404(client, article, staff):
    make_article("A draft nobody may read yet", source=article.source, slug="draft",
                 status=Article.Status.DRAFT)
    for _ in range(2):
        preview = staff.get("/articles/draft/")
        assert preview.status_code == 200
        assert "Preview: readers cannot see this article yet" in preview.content.decode()
    for _ in range(2):
        response = client.get("/articles/draft/")
        assert response.status_code == 404
        assert "A draft nobody may read yet" not in response.content.decode()


def test_staff_preview_a_scheduled_article_and_readers_get_404(client, article, staff):
    make_article("Scheduled: the summit opens", source=article.source, slug="summit",
                 published_at=timezone.now() + timedelta(hours=2))
    assert staff.get("/articles/summit/").status_code == 200
    assert client.get("/articles/summit/").status_code == 404
    assert "Scheduled: the summit opens" not in page(client, "/")


def test_staff_see_a_draft_preview_even_when_readers_filled_the_cache(client, article, staff):
    warm(client, ARTICLE_URL)
    Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)  # no signal
    preview = staff.get(ARTICLE_URL)
    assert "Preview: readers cannot see this article yet" in preview.content.decode()


def test_a_page_seen_with_a_session_is_private(client, staff):
    draft = make_article("Draft under embargo", status=Article.Status.DRAFT)
    response = staff.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]


# -------------------------------------------------------------------------------------------
# What is not cached


def test_post_is_not_answered_from_the_cache(client, article):
    warm(client, "/")
    response = client.post("/", {"anything": "1"})
    assert response.status_code == 405
    assert HEADLINE not in response.content.decode()


def test_post_does_not_fill_the_cache(client, article, recorded_sets):
    client.post("/")
    client.post(ARTICLE_URL)
    assert page_timeouts(recorded_sets) == []


@pytest.mark.parametrize("url", ["/articles/no-such-story/", "/sources/nobody/",
                                 "/tags/nothing/", "/?page=99"])
def test_not_found_is_not_cached(client, article, url, recorded_sets):
    assert client.get(url).status_code == 404
    response, count = queries_for(client, url)
    assert response.status_code == 404
    assert count > 0
    assert page_timeouts(recorded_sets) == []


class CountingView:
    """A view for public_cache itself: counts its calls, answers what it is given."""

    def __init__(self, make_response):
        self.make_response = make_response
        self.calls = 0

    def __call__(self, request):
        self.calls += 1
        return self.make_response()


@pytest.mark.parametrize("make_response", [
    lambda: HttpResponse("gone", status=404),
    lambda: HttpResponse("broken", status=500),
    lambda: HttpResponseRedirect("/elsewhere/"),
    lambda: HttpResponse("moved", status=301),
    lambda: StreamingHttpResponse(iter([b"streamed"])),
], ids=["404", "500", "302", "301", "streaming"])
def test_public_cache_stores_only_complete_200_responses(make_response, recorded_sets):
    view = CountingView(make_response)
    cached = public_cache(view)
    for _ in range(2):
        response = cached(RequestFactory().get("/unit/"))
        assert response.status_code == make_response().status_code
    assert view.calls == 2
    assert page_timeouts(recorded_sets) == []


def test_public_cache_stores_a_200_get(recorded_sets):
    view = CountingView(lambda: HttpResponse("fine"))
    cached = public_cache(view)
    for _ in range(2):
        assert cached(RequestFactory().get("/unit/")).content == b"fine"
    assert view.calls == 1
    assert page_timeouts(recorded_sets) == [300]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_public_cache_passes_other_methods_through(method, recorded_sets):
    view = CountingView(lambda: HttpResponse("answer to a write"))
    cached = public_cache(view)
    for _ in range(2):
        cached(getattr(RequestFactory(), method)("/unit/"))
    assert view.calls == 2
    assert page_timeouts(recorded_sets) == []
    # and a later GET is not answered with what the write got
    get_view = CountingView(lambda: HttpResponse("the page"))
    assert public_cache(get_view)(RequestFactory().get("/unit/")).content == b"the page"


def test_public_cache_passes_requests_with_a_session_through(settings, recorded_sets):
    view = CountingView(lambda: HttpResponse("for staff"))
    cached = public_cache(view)
    for _ in range(2):
        request = RequestFactory().get("/unit/")
        request.COOKIES[settings.SESSION_COOKIE_NAME] = "some-session"
        cached(request)
    assert view.calls == 2
    assert page_timeouts(recorded_sets) == []


def test_a_page_that_appears_after_a_404_is_served(client, article):
    assert client.get("/articles/late/").status_code == 404
    make_article("A late story", source=article.source, slug="late")
    assert "A late story" in page(client, "/articles/late/")


# -------------------------------------------------------------------------------------------
# Content-Security-Policy hashes survive the cache


def test_csp_hash_of_the_json_ld_block_survives_a_cached_hit(client, article,
                                                             django_assert_num_queries):
    first = client.get(ARTICLE_URL)
    with django_assert_num_queries(0):
        hit = client.get(ARTICLE_URL)
    for response in (first, hit):
        expected = json_ld_hash(response.content.decode())
        hashes = [value for value in script_src(response) if value.startswith("'sha256-")]
        assert hashes == [expected]


def test_csp_hash_follows_the_content_after_a_change(client, article):
    old = client.get(ARTICLE_URL)
    client.get(ARTICLE_URL)
    article.headline = "A corrected headline about the joint force"
    article.save()
    for _ in range(2):  # the miss that stores it, and the hit
        response = client.get(ARTICLE_URL)
        expected = json_ld_hash(response.content.decode())
        assert expected != json_ld_hash(old.content.decode())
        assert [v for v in script_src(response) if v.startswith("'sha256-")] == [expected]


def test_a_page_without_json_ld_gets_no_hash_from_another_page(client, article):
    warm(client, ARTICLE_URL, "/")
    for url in ("/", "/articles/"):
        response = client.get(url)
        assert not [v for v in script_src(response) if v.startswith("'sha256-")]
