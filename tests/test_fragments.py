"""The fragments beneath the pages (articles.cache.cached_fragment): the story of an article
page and the cards of a list page, reused with the page cache off (or bypassed by staff) and
invalidated as the pages are."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Correction
from tests.cache_helpers import ARTICLE_URL, page, queries_for
from tests.factories import make_article, make_link

# Transactions really commit here: a change is marked in the cache when its transaction
# commits, as in production. The cache is on (PAGE_CACHE_SECONDS=300), cleared before and after.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("page_cache")]


@pytest.fixture
def fragments_only(settings):
    settings.PAGE_CACHE_SECONDS = 0
    settings.FRAGMENT_CACHE_SECONDS = 300


# -------------------------------------------------------------------------------------------
# The story fragment


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


def test_the_story_fragment_follows_an_edit_of_the_article_itself(client, fragments_only):
    # No tags, links or corrections: nothing but the article itself tells of the edit.
    article = make_article("A story alone", slug="alone")
    page(client, article.get_absolute_url())
    article.body = "A rewritten first paragraph.\n\nAnd a second one."
    article.save()
    assert "A rewritten first paragraph." in page(client, article.get_absolute_url())


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
# The listing fragment: a list page's cards


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
