"""RSS and Atom feeds (articles.feeds), parsed as XML. The sitemaps are tests/test_sitemaps.py."""

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import pytest

from articles.models import Article
from tests.factories import make_article, make_articles, make_source
from tests.page_parsers import ATOM, absolute, get_xml

pytestmark = pytest.mark.django_db

def rss_items(client, url):
    response, root = get_xml(client, url)
    assert response["Content-Type"].startswith("application/rss+xml")
    assert root.tag == "rss"
    return root.find("channel").findall("item")


def atom_entries(client, url):
    response, root = get_xml(client, url)
    assert response["Content-Type"].startswith("application/atom+xml")
    assert root.tag == f"{ATOM}feed"
    return root.findall(f"{ATOM}entry")


def rss_titles(client, url):
    return [item.findtext("title") for item in rss_items(client, url)]


def atom_titles(client, url):
    return [entry.findtext(f"{ATOM}title") for entry in atom_entries(client, url)]


NEWEST_FIRST = ["Harvest report", "Élections à Dakar", "Ministers meet in Moscow"]


# -------------------------------------------------------------------------------------------
# Feeds


def test_rss_feed_lists_published_articles_newest_first(client, newsroom):
    items = rss_items(client, "/feeds/rss/")

    assert [item.findtext("title") for item in items] == NEWEST_FIRST
    harvest, dakar, moscow = items
    assert harvest.findtext("link") == absolute(newsroom["harvest"])
    assert moscow.findtext("link") == absolute(newsroom["moscow"])
    assert parsedate_to_datetime(harvest.findtext("pubDate")) == datetime(
        2025, 4, 20, 8, 0, tzinfo=UTC
    )
    assert parsedate_to_datetime(dakar.findtext("pubDate")) == datetime(
        2025, 4, 10, 12, 0, tzinfo=UTC
    )
    assert sorted(c.text for c in harvest.findall("category")) == ["Economy", "Russia"]
    assert sorted(c.text for c in moscow.findall("category")) == ["Russia", "Sahel"]
    assert [c.text for c in dakar.findall("category")] == ["Senegal"]
    assert harvest.findtext("description") == "Grain shipments from Moscow rose."


def test_atom_feed_lists_published_articles_newest_first(client, newsroom):
    entries = atom_entries(client, "/feeds/atom/")

    assert [entry.findtext(f"{ATOM}title") for entry in entries] == NEWEST_FIRST
    harvest, dakar, moscow = entries
    for entry, key in [(harvest, "harvest"), (dakar, "dakar"), (moscow, "moscow")]:
        article = Article.objects.get(pk=newsroom[key].pk)
        assert entry.find(f"{ATOM}link").get("href") == absolute(article)
        published = datetime.fromisoformat(entry.findtext(f"{ATOM}published"))
        assert published == article.published_at
        updated = datetime.fromisoformat(entry.findtext(f"{ATOM}updated"))
        assert updated == article.updated_at
    assert sorted(c.get("term") for c in harvest.findall(f"{ATOM}category")) == [
        "Economy", "Russia",
    ]
    assert [c.get("term") for c in dakar.findall(f"{ATOM}category")] == ["Senegal"]
    assert harvest.find(f"{ATOM}author").findtext(f"{ATOM}name") == "Sahel Wire"


@pytest.mark.parametrize("feed", ["rss", "atom"])
def test_feeds_leave_out_drafts_reviews_and_scheduled_articles(client, newsroom, feed):
    url = f"/feeds/{feed}/"
    body = client.get(url).content.decode()
    titles = rss_titles(client, url) if feed == "rss" else atom_titles(client, url)
    assert titles == NEWEST_FIRST
    for hidden in ["Moscow draft", "Moscow in review", "Moscow scheduled"]:
        assert hidden not in body


def test_feeds_hold_at_most_thirty_articles(client):
    articles = make_articles(32)
    assert rss_titles(client, "/feeds/rss/") == [a.headline for a in articles[:30]]
    assert atom_titles(client, "/feeds/atom/") == [a.headline for a in articles[:30]]


@pytest.mark.parametrize("count", [1, 30])
def test_feed_entries_carry_their_tags_in_a_constant_number_of_queries(
        client, count, django_assert_num_queries):
    make_articles(count, tags=["Sahel", "Niger"])
    # The articles, and the tags of all of them.
    with django_assert_num_queries(2):
        items = rss_items(client, "/feeds/rss/")
    assert len(items) == count
    assert [c.text for c in items[0].findall("category")] == ["Niger", "Sahel"]


@pytest.mark.parametrize(("url", "expected"), [
    ("/tags/russia/rss/", ["Harvest report", "Ministers meet in Moscow"]),
    ("/tags/russia/atom/", ["Harvest report", "Ministers meet in Moscow"]),
    ("/tags/senegal/rss/", ["Élections à Dakar"]),
    ("/tags/economy/atom/", ["Harvest report"]),
    ("/sources/wire/rss/", ["Harvest report", "Ministers meet in Moscow"]),
    ("/sources/wire/atom/", ["Harvest report", "Ministers meet in Moscow"]),
    ("/sources/desk/rss/", ["Élections à Dakar"]),
    ("/sources/desk/atom/", ["Élections à Dakar"]),
])
def test_tag_and_source_feeds_list_only_their_articles(client, newsroom, url, expected):
    titles = rss_titles(client, url) if url.endswith("rss/") else atom_titles(client, url)
    assert titles == expected


def test_tag_and_source_feeds_name_and_link_their_page(client, newsroom):
    _, root = get_xml(client, "/tags/russia/rss/")
    channel = root.find("channel")
    assert "Russia" in channel.findtext("title")
    assert channel.findtext("link") == "http://testserver/tags/russia/"
    _, root = get_xml(client, "/sources/desk/atom/")
    assert "Partner Desk" in root.findtext(f"{ATOM}title")
    alternate = [link for link in root.findall(f"{ATOM}link") if link.get("rel") == "alternate"]
    assert alternate[0].get("href") == "http://testserver/sources/desk/"


@pytest.mark.parametrize("url", [
    "/tags/no-such-tag/rss/", "/tags/no-such-tag/atom/",
    "/sources/no-such-source/rss/", "/sources/no-such-source/atom/",
])
def test_unknown_tag_or_source_feed_is_404(client, newsroom, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(("url", "expected"), [
    ("/feeds/rss/?q=Moscow", ["Harvest report", "Ministers meet in Moscow"]),
    ("/feeds/atom/?q=Moscow", ["Harvest report", "Ministers meet in Moscow"]),
    ("/feeds/rss/?q=ministers+moscow", ["Ministers meet in Moscow"]),
    ("/feeds/rss/?tag=ECONOMY", ["Harvest report"]),
    ("/feeds/atom/?source=desk", ["Élections à Dakar"]),
    ("/feeds/rss/?language=fr", ["Élections à Dakar"]),
    ("/feeds/rss/?has_video=on", ["Ministers meet in Moscow"]),
    ("/feeds/atom/?published_after=2025-04-05", ["Harvest report", "Élections à Dakar"]),
    ("/feeds/rss/?published_before=2025-04-05", ["Ministers meet in Moscow"]),
    ("/tags/russia/rss/?q=grain", ["Harvest report"]),
    ("/sources/wire/atom/?tag=sahel", ["Ministers meet in Moscow"]),
    ("/sources/wire/rss/?language=fr", []),
])
def test_feeds_honour_the_list_filters(client, newsroom, url, expected):
    titles = rss_titles(client, url) if "/rss/" in url else atom_titles(client, url)
    assert titles == expected

@pytest.mark.parametrize(("url", "named"), [
    ("/feeds/rss/?source=nope", ["source"]),
    ("/feeds/atom/?source=embargoed-desk", ["source"]),  # only a draft: as if unknown
    ("/feeds/rss/?language=xx", ["language"]),
    ("/feeds/atom/?published_after=garbage", ["published_after"]),
    ("/tags/russia/rss/?published_before=2025-13-45", ["published_before"]),
    ("/sources/wire/atom/?source=nope&language=xx", ["source", "language"]),
])
def test_feeds_refuse_filters_they_cannot_read(client, newsroom, url, named):
    make_article("Coup plot foiled", source=make_source("Embargoed Desk", "embargoed-desk"),
                 status=Article.Status.DRAFT)
    response = client.get(url)
    # As the list page answers; never the whole feed instead.
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "Invalid filters:"
    assert [line.split(":")[0] for line in lines[1:]] == named
    assert "Embargoed" not in response.content.decode()



@pytest.mark.parametrize("url", ["/feeds/rss/", "/feeds/atom/"])
def test_feed_html_descriptions_escape_hostile_text(client, url):
    """RSS <description> and Atom <summary type="html"> hold HTML: once the XML is parsed, the
    imported text must still be escaped, or a feed reader renders the markup."""
    make_article("Hostile lead", body="Lead <script>alert(1)</script><img src=x onerror=alert(1)>"
                                      "\n\nMore.")
    _, root = get_xml(client, url)
    if url.endswith("rss/"):
        description = root.find("channel").find("item").findtext("description")
    else:
        summary = root.find(f"{ATOM}entry").find(f"{ATOM}summary")
        assert summary.get("type") == "html"
        description = summary.text
    assert "<script>" not in description
    assert "<img" not in description
    assert "&lt;script&gt;alert(1)" in description
