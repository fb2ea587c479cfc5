"""The public page cache (articles.cache.public_cache), turned on as in production.

Every test here runs with PAGE_CACHE_SECONDS=300 on a cache cleared before and after. A cached hit
is recognised by running no SQL at all; a change anywhere readers can see must show on the very
next anonymous request.
"""

import base64
import hashlib
import os
import re
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache, caches
from django.core.cache.backends import locmem
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import http_date, parse_http_date

import articles.cache
import articles.views
from articles.cache import invalidate, keys_changed, public_cache
from articles.ingest.importer import import_paths
from articles.ingest.parse import normalise
from articles.models import Article, Correction, RelatedLink
from articles.workflow import publish, unpublish
from tests.conftest import free_port
from tests.factories import make_article, make_link, make_source

# Transactions really commit here: a change is marked in the cache when its transaction
# commits, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parent.parent
HEADLINE = "Ministers agree a joint force for the Sahel"
ARTICLE_URL = "/articles/joint-force/"
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
JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 300
    settings.PAGE_MAX_AGE = 60
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def source():
    return make_source("Wire One", slug="wire-one")


@pytest.fixture
def article(source):
    article = make_article(HEADLINE, source=source, slug="joint-force", tags=["Sahel"])
    make_link(article, teaser="The first related teaser")
    return article


@pytest.fixture
def editor():
    user = get_user_model().objects.create_user("editor", "editor@example.com", is_staff=True)
    user.groups.add(Group.objects.get(name="Editor"))
    return user


@pytest.fixture
def staff(editor):
    staff = Client()
    staff.force_login(editor)
    return staff


def queries_for(client, url, **extra):
    """GET `url`; returns (response, number of SQL queries it ran)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    return response, len(queries)


def warm(client, *urls):
    """Fill the cache for `urls` and check that it holds them: a second GET runs no SQL."""
    for url in urls:
        first = client.get(url)
        assert first.status_code == 200, url
        second, count = queries_for(client, url)
        assert count == 0, f"{url} was not served from the cache"
        assert second.content == first.content


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


def json_ld_hash(html):
    blocks = JSON_LD.findall(html)
    assert len(blocks) == 1, "expected one JSON-LD block"
    return "'sha256-" + base64.b64encode(hashlib.sha256(blocks[0].encode()).digest()).decode() + "'"


def script_src(response):
    policy = response["Content-Security-Policy"]
    for directive in policy.split(";"):
        name, *values = directive.split()
        if name == "script-src":
            return values
    raise AssertionError(f"no script-src in {policy!r}")


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


# -------------------------------------------------------------------------------------------
# Invalidation: the next anonymous request shows the change


def test_editing_a_headline_shows_at_once(client, article):
    warm(client, ARTICLE_URL, "/")
    article.headline = "A corrected headline about the joint force"
    article.save()
    for url in (ARTICLE_URL, "/"):
        html = page(client, url)
        assert "A corrected headline about the joint force" in html
        assert HEADLINE not in html


def test_adding_a_related_link_shows_at_once(client, article):
    warm(client, ARTICLE_URL, "/")
    make_link(article, teaser="A second teaser, just added")
    assert "A second teaser, just added" in page(client, ARTICLE_URL)
    _, count = queries_for(client, "/")
    assert count > 0, "the front page was still served from the old cache"


def test_editing_a_related_link_shows_at_once(client, article):
    link = article.related_links.get()
    warm(client, ARTICLE_URL)
    link.teaser = "The teaser, edited"
    link.save()
    html = page(client, ARTICLE_URL)
    assert "The teaser, edited" in html
    assert "The first related teaser" not in html


def test_deleting_a_related_link_shows_at_once(client, article):
    warm(client, ARTICLE_URL)
    article.related_links.get().delete()
    assert "The first related teaser" not in page(client, ARTICLE_URL)


def test_resolving_links_shows_at_once(client, article):
    target = make_article("Niger nationalises the uranium venture", source=article.source,
                          slug="uranium")
    RelatedLink.objects.create(article=article, position=5, kind=RelatedLink.Kind.VIDEO,
                               title=target.headline,
                               match_key=f"h:{normalise(target.headline)}")
    warm(client, ARTICLE_URL)
    assert 'href="/articles/uranium/"' not in page(client, ARTICLE_URL)

    assert RelatedLink.objects.resolve() == 1  # an update: no signals, so it announces itself

    assert 'href="/articles/uranium/"' in page(client, ARTICLE_URL)


def test_adding_a_correction_shows_at_once(client, article):
    warm(client, ARTICLE_URL, "/")
    Correction.objects.create(article=article, note="The force has five thousand troops.")
    assert "The force has five thousand troops." in page(client, ARTICLE_URL)
    _, count = queries_for(client, "/")
    assert count > 0, "the front page was still served from the old cache"


def test_renaming_a_source_shows_at_once(client, article, source):
    warm(client, ARTICLE_URL, "/", "/sources/wire-one/")
    source.name = "Renamed Wire Service"
    source.save()
    for url in (ARTICLE_URL, "/", "/sources/wire-one/"):
        html = page(client, url)
        assert "Renamed Wire Service" in html
        assert "Wire One" not in html


def test_adding_a_tag_shows_at_once(client, article):
    warm(client, ARTICLE_URL, "/", "/tags/sahel/")
    article.tags.add("Niger")
    assert 'href="/tags/niger/"' in page(client, ARTICLE_URL)
    assert HEADLINE in page(client, "/tags/niger/")
    _, count = queries_for(client, "/")
    assert count > 0, "the front page was still served from the old cache"


def test_removing_a_tag_shows_at_once(client, article):
    warm(client, ARTICLE_URL, "/tags/sahel/")
    article.tags.remove("Sahel")
    assert 'href="/tags/sahel/"' not in page(client, ARTICLE_URL)
    # No published article uses the tag any more: its page is gone, not served stale.
    assert client.get("/tags/sahel/").status_code == 404


def test_renaming_a_tag_shows_at_once(client, article):
    warm(client, ARTICLE_URL)
    tag = article.tags.get()
    tag.name = "West Africa"
    tag.save()
    assert "West Africa" in page(client, ARTICLE_URL)


def test_publishing_shows_at_once(client, article, editor):
    draft = make_article("A draft about the uranium venture", source=article.source,
                         slug="uranium", status=Article.Status.DRAFT)
    warm(client, "/", ARTICLE_URL)
    page(client, "/articles/uranium/", status=404)

    assert publish(Article.objects.filter(pk=draft.pk), editor) == 1

    assert "A draft about the uranium venture" in page(client, "/")
    assert "A draft about the uranium venture" in page(client, "/articles/uranium/")


def test_unpublishing_shows_at_once(client, article, editor):
    warm(client, "/", ARTICLE_URL, "/feeds/rss/")

    assert unpublish(Article.objects.filter(pk=article.pk), editor) == 1

    page(client, ARTICLE_URL, status=404)
    assert HEADLINE not in page(client, "/")
    assert HEADLINE not in page(client, "/feeds/rss/")


def test_deleting_an_article_shows_at_once(client, article):
    warm(client, "/", ARTICLE_URL)
    article.delete()
    page(client, ARTICLE_URL, status=404)
    assert HEADLINE not in page(client, "/")


IMPORTED = """\
    Sahel
    {lead}
    They said the force would be ready within a year.
    Go to video
    A clip about the region
    01:31
    """
IMPORTED_HEADLINE = "Sahel ministers plan a joint force"


def write_import(folder, lead, status="published"):
    (folder / "a.txt").write_text(textwrap.dedent(IMPORTED.format(lead=lead)), encoding="utf-8")
    (folder / "manifest.toml").write_text(textwrap.dedent(f"""\
        [[source]]
        key = "wire"
        name = "Import Wire"

        [[article]]
        file = "a.txt"
        source = "wire"
        headline = "{IMPORTED_HEADLINE}"
        url = "https://example.com/joint-force"
        status = "{status}"
        """), encoding="utf-8")


def test_reimporting_shows_at_once_in_the_preview(staff, tmp_path, settings):
    # A re-import changes drafts and articles in review only (a live one's new version is
    # held for an editor): staff see the new text at once, though the story is a fragment
    # cached for them too.
    settings.FRAGMENT_CACHE_SECONDS = 300
    write_import(tmp_path, "The ministers met in Niamey on Monday to agree a joint force.",
                 status="review")
    report = import_paths([tmp_path])
    assert report.counts()["created"] == 1, report.summary()
    url = Article.objects.get(headline=IMPORTED_HEADLINE).get_absolute_url()
    assert "met in Niamey on Monday" in page(staff, url)

    write_import(tmp_path, "The ministers met in Bamako on Tuesday to agree a joint force.",
                 status="review")
    report = import_paths([tmp_path])
    assert report.counts()["updated"] == 1, report.summary()

    html = page(staff, url)
    assert "met in Bamako on Tuesday" in html
    assert "met in Niamey on Monday" not in html


def test_a_held_reimport_leaves_the_live_page_as_it_was(client, tmp_path):
    write_import(tmp_path, "The ministers met in Niamey on Monday to agree a joint force.")
    import_paths([tmp_path])
    url = Article.objects.get(headline=IMPORTED_HEADLINE).get_absolute_url()
    warm(client, url, "/")

    write_import(tmp_path, "The ministers met in Bamako on Tuesday to agree a joint force.")
    report = import_paths([tmp_path])
    assert report.counts()["held"] == 1, report.summary()

    for target in (url, "/"):
        html = page(client, target)
        assert "met in Niamey on Monday" in html
        assert "met in Bamako on Tuesday" not in html


# -------------------------------------------------------------------------------------------
# Scheduled publishing


@pytest.fixture
def recorded_sets(monkeypatch):
    """Every (key, timeout) the default cache is asked to store."""
    backend = caches["default"]
    original = backend.set
    calls = []

    def recording_set(key, value, timeout=None, *args, **kwargs):
        calls.append((key, timeout))
        return original(key, value, timeout, *args, **kwargs)

    monkeypatch.setattr(backend, "set", recording_set)
    return calls


def page_timeouts(calls):
    return [timeout for key, timeout in calls if key.startswith("newsroom:page:")]


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


def test_an_edit_leaves_other_articles_pages_cached(client, article, source):
    other = make_article("Another story about rain", source=make_source(), slug="rain")
    warm(client, ARTICLE_URL, other.get_absolute_url(), f"/sources/{other.source.slug}/",
         "/sources/wire-one/")

    article.headline = "A corrected headline about the joint force"
    article.save()

    for url in (other.get_absolute_url(), f"/sources/{other.source.slug}/"):
        _, count = queries_for(client, url)
        assert count == 0, f"{url} was rendered again for an edit of another article"
    for url in (ARTICLE_URL, "/sources/wire-one/", "/"):
        assert "A corrected headline about the joint force" in page(client, url)


def test_pages_name_what_they_show_for_a_cdn_to_purge(client, article, source):
    tag = article.tags.get()
    for response in (client.get(ARTICLE_URL), client.get(ARTICLE_URL)):  # a miss, then a hit
        keys = set(response["Surrogate-Key"].split())
        assert {f"article-{article.pk}", f"source-{source.pk}", f"tag-{tag.pk}"} <= keys
        assert set(response["Cache-Tag"].split(",")) == keys
    assert {"articles", f"source-{source.pk}"} <= set(client.get("/")["Surrogate-Key"].split())
    assert set(client.get("/tags/sahel/")["Surrogate-Key"].split()) == {
        f"tag-{tag.pk}", f"source-{source.pk}"}


def test_a_change_announces_the_keys_it_touches(article, source):
    announced = []

    def record(keys, **kwargs):
        announced.append(set(keys))

    keys_changed.connect(record)
    try:
        article.headline = "A corrected headline about the joint force"
        article.save()
    finally:
        keys_changed.disconnect(record)
    tag = article.tags.get()
    assert {f"article-{article.pk}", f"source-{source.pk}", f"tag-{tag.pk}",
            "articles"} <= set().union(*announced)


def test_a_render_that_overlaps_a_change_is_served_but_not_kept(client, article, monkeypatch):
    """A page rendered while content changes may show rows from before the change: the next
    request renders it again."""
    real = articles.views.ArticleDetailView.render_story

    def story_during_an_edit(view, context):
        result = real(view, context)
        Article.objects.filter(pk=article.pk).update(headline="Changed meanwhile")
        invalidate([f"article-{article.pk}"])
        return result

    monkeypatch.setattr(articles.views.ArticleDetailView, "render_story", story_during_an_edit)
    assert HEADLINE in page(client, ARTICLE_URL)
    monkeypatch.setattr(articles.views.ArticleDetailView, "render_story", real)
    assert "Changed meanwhile" in page(client, ARTICLE_URL)


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


# -------------------------------------------------------------------------------------------
# A real Redis server


@pytest.fixture
def redis_cache(settings, redis_url):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": redis_url}}
    # The settings fixture sends setting_changed, and Django's handler drops the cache
    # connections: the next use of `cache` builds the Redis backend.
    assert isinstance(caches["default"], RedisCache)
    cache.clear()
    yield cache
    cache.clear()


@pytest.mark.redis
def test_redis_serves_cached_pages_without_queries(client, article, redis_cache,
                                                   django_assert_num_queries):
    first = client.get(ARTICLE_URL)
    assert redis_cache._cache.get_client().keys("*newsroom:page:*")
    with django_assert_num_queries(0):
        hit = client.get(ARTICLE_URL)
    assert hit.content == first.content
    expected = json_ld_hash(hit.content.decode())
    assert [v for v in script_src(hit) if v.startswith("'sha256-")] == [expected]


@pytest.mark.redis
def test_redis_invalidates_on_change(client, article, redis_cache):
    warm(client, ARTICLE_URL, "/")
    article.headline = "A corrected headline about the joint force"
    article.save()
    for url in (ARTICLE_URL, "/"):
        assert "A corrected headline about the joint force" in page(client, url)


@pytest.mark.redis
def test_redis_honours_the_scheduled_timeout(client, article, redis_cache):
    make_article("Scheduled: the summit opens", source=article.source, slug="summit",
                 published_at=timezone.now() + timedelta(seconds=30))
    page(client, "/")
    client_redis = redis_cache._cache.get_client()
    keys = [key for key in client_redis.keys("*") if b"newsroom:page:" in key]
    assert len(keys) == 1
    assert 0 < client_redis.ttl(keys[0]) <= 31


@pytest.mark.redis
def test_health_reports_the_redis_cache(client, redis_cache):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["cache"] == "ok"


@pytest.mark.redis
def test_health_reports_a_dead_redis_but_stays_up(client):
    dead = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                        "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}}
    with override_settings(CACHES=dead):
        assert isinstance(caches["default"], RedisCache)
        response = client.get("/healthz")
    assert response.status_code == 200  # the database answers: keep the instance in service
    assert response.json()["status"] == "ok"
    assert response.json()["cache"] == "unavailable"


def test_parameters_no_view_reads_share_one_entry(client, article):
    warm(client, "/articles/?q=ministers&utm_source=mail")
    assert queries_for(client, "/articles/?utm_source=other&q=ministers")[1] == 0


def test_each_host_gets_its_own_entry(client, article, settings):
    settings.ALLOWED_HOSTS = ["news.example.com", "mirror.example.org"]
    first = client.get("/robots.txt", HTTP_HOST="news.example.com").content.decode()
    second = client.get("/robots.txt", HTTP_HOST="mirror.example.org").content.decode()
    assert "http://news.example.com/sitemap.xml" in first
    assert "http://mirror.example.org/sitemap.xml" in second


def test_a_page_seen_with_a_session_is_private(client, staff):
    draft = make_article("Draft under embargo", status=Article.Status.DRAFT)
    response = staff.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]


# -------------------------------------------------------------------------------------------
# The story fragment: reused with the page cache off (or bypassed), invalidated alike


@pytest.fixture
def fragments_only(settings):
    settings.PAGE_CACHE_SECONDS = 0
    settings.FRAGMENT_CACHE_SECONDS = 300


def test_the_story_fragment_spares_its_queries(client, article, fragments_only):
    first = page(client, ARTICLE_URL)
    second, count = queries_for(client, ARTICLE_URL)
    assert second.content.decode() == first
    # The article with its source: not its tags, links or corrections.
    assert count == 1


def test_the_story_fragment_follows_every_change(client, article, fragments_only):
    page(client, ARTICLE_URL)
    Correction.objects.create(article=article, note="An earlier version misnamed the minister.")
    link = article.related_links.get()
    link.teaser = "A rewritten teaser"
    link.save()

    html = page(client, ARTICLE_URL)

    assert "An earlier version misnamed the minister." in html
    assert "A rewritten teaser" in html


def test_the_head_lists_the_tags_cached_with_the_story(client, article, fragments_only):
    page(client, ARTICLE_URL)
    article.tags.add("Niger")
    for _ in range(2):  # the miss that stores it, and the hit
        html = page(client, ARTICLE_URL)
        assert '<meta property="article:tag" content="Niger">' in html
        assert '"keywords": ["Niger", "Sahel"]' in html or '"keywords": ["Sahel", "Niger"]' in html


def test_a_scheduled_target_bounds_the_fragment_timeout(client, article, fragments_only,
                                                         recorded_sets):
    target = make_article("The summit opens", source=article.source, slug="summit",
                          published_at=timezone.now() + timedelta(seconds=30))
    make_link(article, teaser="The summit opens", target=target)

    html = page(client, ARTICLE_URL)

    # Not yet public: the sidebar searches instead of linking to it...
    assert 'href="/articles/summit/"' not in html
    # ...and the fragment is kept no longer than until it is.
    [timeout] = [t for key, t in recorded_sets if key.startswith("newsroom:fragment:")]
    assert 1 <= timeout <= 31


# -------------------------------------------------------------------------------------------
# The listing fragment: a list page's cards, reused with the page cache off, invalidated alike

LISTINGS = ["/", "/articles/", "/articles/?q=ministers", "/tags/sahel/", "/sources/wire-one/"]


@pytest.mark.parametrize("url", LISTINGS)
def test_the_listing_fragment_spares_counting_and_fetching(client, article, fragments_only,
                                                           url):
    first, cold = queries_for(client, url)
    second, warm_count = queries_for(client, url)
    assert second.content == first.content
    assert article.headline in second.content.decode()
    # What is left is the page around the cards: the tag or source of a section page, the
    # sources of the list's filter form.
    assert warm_count <= cold - 2, (cold, warm_count)


@pytest.mark.parametrize("url", LISTINGS)
def test_the_listing_fragment_follows_every_change(client, article, fragments_only, url):
    page(client, url)
    article.headline = "Ministers rename the joint force"
    article.save()
    assert "Ministers rename the joint force" in page(client, url)


def test_listing_fragments_are_kept_apart_by_filters_and_page(client, article, fragments_only):
    for n in range(25):
        make_article(f"Ministers meet again, round {n}", source=article.source,
                     slug=f"round-{n}", published_at=timezone.now() - timedelta(hours=n + 1),
                     body="Talks went on.")
    searched = page(client, "/articles/?q=ministers")
    assert "round 3" in searched
    assert "round 3" not in page(client, "/articles/?q=sahel")
    first, second = page(client, "/?page=1"), page(client, "/?page=2")
    assert "round 24" not in first and "round 24" in second
    # Parameters the views do not read share the fragment; an unknown page is never stored.
    assert page(client, "/?page=1&utm_source=x") == first
    page(client, "/?page=9", status=404)
    page(client, "/?page=9", status=404)


def test_a_cached_listing_never_repeats_another_visitors_parameters(client, article,
                                                                   fragments_only):
    for n in range(25):
        make_article(f"Round {n}", source=article.source, slug=f"round-{n}", age=timedelta(hours=n))
    page(client, '/?page=1&evil=%22onmouseover&tag=b&tag=a')
    html = page(client, "/")
    assert "evil" not in html and "onmouseover" not in html
    assert 'href="?page=2"' in html


def test_listing_fragments_follow_a_source_rename(client, article, fragments_only, source):
    for url in LISTINGS:
        page(client, url)
    source.name = "Wire Two"
    source.save()
    for url in ("/", "/articles/", "/tags/sahel/"):
        assert "Wire Two" in page(client, url), url


def test_a_scheduled_article_bounds_the_listing_timeout(client, article, fragments_only,
                                                        recorded_sets):
    make_article("The summit opens", source=article.source, slug="summit",
                 published_at=timezone.now() + timedelta(seconds=30))
    assert "The summit opens" not in page(client, "/")
    [timeout] = [t for key, t in recorded_sets if key.startswith("newsroom:fragment:")]
    assert 1 <= timeout <= 31


# -------------------------------------------------------------------------------------------
# The default: Django's database cache, shared by separate processes


DEFAULT_CACHE_STEP = """
import sys, django
django.setup()
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from articles.models import Article, Source
step = sys.argv[1]
if step == "create":
    from django.core.management import call_command
    from django.utils import timezone
    call_command("migrate", verbosity=0)
    source = Source.objects.create(name="Wire One", slug="wire-one")
    Article.objects.create(source=source, headline="The first headline", slug="story",
                           body="The lead.", status="published", published_at=timezone.now())
elif step == "edit":
    article = Article.objects.get(slug="story")
    article.headline = "The headline edited elsewhere"
    article.save()
else:
    with CaptureQueriesContext(connections["default"]) as queries:
        response = Client(HTTP_HOST="localhost").get("/articles/story/")
    headline = "edited" if "edited elsewhere" in response.content.decode() else "first"
    print(response.status_code, headline, len(queries))
"""


@pytest.mark.slow
def test_the_default_cache_is_shared_by_processes_and_follows_their_edits(tmp_path):
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("CACHE_", "PAGE_", "FRAGMENT_", "DATABASE_", "DJANGO_", "DEBUG"))}
    # The development settings as `make run` has them (DEBUG on: static files need no
    # collectstatic).
    env |= {"DJANGO_SETTINGS_MODULE": "newsroom.settings.dev",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}"}

    def step(name):
        return subprocess.run([sys.executable, "-c", DEFAULT_CACHE_STEP, name], cwd=ROOT,
                              env=env, capture_output=True, text=True, check=True).stdout.split()

    step("create")
    assert (tmp_path / "site-cache.sqlite3").exists()  # the cache's own database file
    status, headline, queries = step("get")
    assert (status, headline) == ("200", "first") and int(queries) > 0
    # Another process: served from what the first one cached, with no query of the site's data.
    assert step("get") == ["200", "first", "0"]
    step("edit")
    status, headline, queries = step("get")
    assert (status, headline) == ("200", "edited") and int(queries) > 0
