"""What the reader templates write (articles.templating): the head with its links and
structured data, machine-readable times, and hostile text escaped everywhere."""

import json
import re
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest

from articles.models import Correction, RelatedLink
from tests.factories import make_article, make_link, make_source
from tests.page_parsers import card_headlines, get_page, parse

pytestmark = pytest.mark.django_db


SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
HOSTILE = f"{SCRIPT}{IMG}"


def search_url(text):
    return f"/articles/?{urlencode({'q': text})}"


# -------------------------------------------------------------------------------------------
# The head


def test_article_head_has_title_description_canonical_social_and_json_ld(client):
    source = make_source("Sahel Wire", "sahel-wire")
    article = make_article(
        "Ministers meet in Niamey", source=source, slug="ministers-meet-in-niamey",
        kicker="Niger", tags=["Niger", "Security"], language="en",
        body="The ministers met on Monday.\n\nA second paragraph.",
        published_at=datetime(2025, 4, 1, 9, 0, tzinfo=UTC),
    )
    page = get_page(client, article.get_absolute_url())
    head = page.find("head")
    url = "http://testserver/articles/ministers-meet-in-niamey/"

    assert "Ministers meet in Niamey" in head.find("title").text
    assert head.find("meta", name="description").attrs["content"] == "The ministers met on Monday."
    assert head.find("link", rel="canonical").attrs["href"] == url
    assert head.find("meta", property="og:title").attrs["content"] == "Ministers meet in Niamey"
    assert head.find("meta", property="og:type").attrs["content"] == "article"
    assert head.find("meta", property="og:url").attrs["content"] == url
    assert head.find("meta", name="twitter:card").attrs["content"]

    scripts = head.find_all("script", type="application/ld+json")
    assert len(scripts) == 1
    data = json.loads(scripts[0].text)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Ministers meet in Niamey"
    assert datetime.fromisoformat(data["datePublished"]) == article.published_at
    article.refresh_from_db()
    # Written in the desk, not imported: its last save; machine-readable times in whole seconds.
    assert datetime.fromisoformat(data["dateModified"]) == article.updated_at.replace(microsecond=0)
    assert data["publisher"]["name"] == "Newsroom"
    assert sorted(data["keywords"]) == ["Niger", "Security"]


def feed_links(page):
    head = page.find("head")
    return {
        (link.attrs["type"], link.attrs["href"])
        for link in head.find_all("link", rel="alternate")
    }


SITE_FEEDS = {("application/rss+xml", "/feeds/rss/"), ("application/atom+xml", "/feeds/atom/")}


@pytest.mark.parametrize("url", [
    "/", "/articles/", "/articles/?q=niamey", "/articles/{slug}/", "/tags/niger/",
    "/sources/sahel-wire/", "/no-such-page/",
])
def test_every_page_advertises_the_site_feeds_in_its_head(client, url):
    article = make_article("Niamey", source=make_source("Sahel Wire", "sahel-wire"),
                           tags=["Niger"])
    response = client.get(url.format(slug=article.slug))
    assert response.status_code == (404 if "no-such" in url else 200)
    assert feed_links(parse(response)) >= SITE_FEEDS


def test_tag_and_source_pages_advertise_their_own_feeds(client):
    make_article(source=make_source("Sahel Wire", "sahel-wire"), tags=["Niger"])
    tag_page = get_page(client, "/tags/niger/")
    assert feed_links(tag_page) == SITE_FEEDS | {
        ("application/rss+xml", "/tags/niger/rss/"),
        ("application/atom+xml", "/tags/niger/atom/"),
    }
    source_page = get_page(client, "/sources/sahel-wire/")
    assert feed_links(source_page) == SITE_FEEDS | {
        ("application/rss+xml", "/sources/sahel-wire/rss/"),
        ("application/atom+xml", "/sources/sahel-wire/atom/"),
    }
    for _, href in feed_links(tag_page) | feed_links(source_page):
        assert client.get(href).status_code == 200, href


# -------------------------------------------------------------------------------------------
# Times


def test_machine_readable_times_are_whole_seconds(client):
    """HTML's datetime attributes allow at most three digits of a second; ours have none."""
    article = make_article("Timed story", published_at=datetime(2025, 4, 1, 9, 0, 5, 123456,
                                                                tzinfo=UTC))
    Correction.objects.create(article=article, note="A fix.")
    for url in ("/", article.get_absolute_url()):
        page = get_page(client, url)
        times = [el.attrs["datetime"] for el in page.find_all("time")
                 if not el.attrs["datetime"].startswith("PT")]
        assert times and all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", t)
                             for t in times), times
    assert "2025-04-01T09:00:05+00:00" in times


# -------------------------------------------------------------------------------------------
# Hostile text


def test_hostile_imported_text_is_escaped_everywhere(client):
    source = make_source(f"Wire {HOSTILE}", "hostile-wire")
    headline = f"Breaking {SCRIPT} {IMG} news"
    article = make_article(
        headline, source=source, slug="hostile", kicker=f"K {SCRIPT}",
        image_caption=f"Caption {IMG}", tags=[f"Tag {HOSTILE}"],
        body=f"Lead {SCRIPT} {IMG}.\n\nSecond {HOSTILE} paragraph.",
    )
    make_link(article, RelatedLink.Kind.VIDEO, title=f"Video {HOSTILE}", duration_seconds=60)
    make_link(article, RelatedLink.Kind.STORY, teaser=f"Teaser {HOSTILE}", truncated=True)
    tag = article.tags.get()

    urls = [
        "/", article.get_absolute_url(), search_url(headline), f"/tags/{tag.slug}/",
        "/sources/hostile-wire/", "/feeds/rss/", "/feeds/atom/", f"/tags/{tag.slug}/rss/",
        "/sources/hostile-wire/atom/", "/sitemap-news.xml",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "<script>alert(1)" not in body, url
        assert "<img src=x onerror" not in body, url
        # The text is there, escaped: the test would see it if it were not.
        assert "&lt;script&gt;alert(1)" in body, url

    detail = client.get(article.get_absolute_url())
    page = parse(detail)
    for text in [headline, f"K {SCRIPT}", f"Caption {IMG}", f"Wire {HOSTILE}", f"Tag {HOSTILE}",
                 f"Video {HOSTILE}", f"Teaser {HOSTILE}…", f"Second {HOSTILE} paragraph."]:
        assert text in page.text, text
    raw = detail.content.decode()
    assert "\\u003Cscript\\u003Ealert(1)\\u003C/script\\u003E" in raw
    data = json.loads(page.find("script", type="application/ld+json").text)
    assert data["headline"] == headline
    assert data["keywords"] == [f"Tag {HOSTILE}"]

    results = get_page(client, search_url(headline))
    assert card_headlines(results) == [headline]
