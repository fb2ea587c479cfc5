"""RSS and Atom feeds, the sitemap index, its sections and the news sitemap, parsed as XML."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from django.utils import timezone

from articles.models import Article, RelatedLink
from tests.factories import make_article, make_articles, make_link, make_source

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
NEWS = f"{{{NEWS_NS}}}"


def get_xml(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response, ET.fromstring(response.content)  # noqa: S314 - our own test server


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


def absolute(article):
    return f"http://testserver{article.get_absolute_url()}"


@pytest.fixture
def newsroom():
    """Published articles from two sources, plus some readers must not see."""
    wire = make_source("Sahel Wire", "wire")
    desk = make_source("Partner Desk", "desk")
    articles = {
        "moscow": make_article(
            "Ministers meet in Moscow", source=wire, tags=["Russia", "Sahel"],
            body="The ministers flew to Moscow.\n\nMore.",
            published_at=datetime(2025, 4, 1, 9, 0, tzinfo=UTC),
        ),
        "dakar": make_article(
            "Élections à Dakar", source=desk, tags=["Senegal"], language="fr",
            body="Le scrutin commence.\n\nSuite.",
            published_at=datetime(2025, 4, 10, 12, 0, tzinfo=UTC),
        ),
        "harvest": make_article(
            "Harvest report", source=wire, tags=["Russia", "Economy"],
            body="Grain shipments from Moscow rose.\n\nMore.",
            published_at=datetime(2025, 4, 20, 8, 0, tzinfo=UTC),
        ),
    }
    make_link(articles["moscow"], RelatedLink.Kind.VIDEO, title="A clip", duration_seconds=91)
    make_article("Moscow draft", source=wire, tags=["Russia"], status=Article.Status.DRAFT)
    make_article("Moscow in review", source=wire, tags=["Russia"],
                 status=Article.Status.REVIEW, age=timedelta(days=1))
    make_article("Moscow scheduled", source=desk, tags=["Russia", "Senegal"],
                 age=-timedelta(hours=2))
    return articles


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


# -------------------------------------------------------------------------------------------
# Sitemaps

SECTIONS = ["pages", "articles", "news", "sources", "tags"]


def urlset_locs(client, url):
    _, root = get_xml(client, url)
    assert root.tag == f"{SITEMAP}urlset"
    return [url.findtext(f"{SITEMAP}loc") for url in root.findall(f"{SITEMAP}url")]


def test_sitemap_index_lists_every_section(client, newsroom):
    _, root = get_xml(client, "/sitemap.xml")
    assert root.tag == f"{SITEMAP}sitemapindex"
    locs = [sitemap.findtext(f"{SITEMAP}loc") for sitemap in root.findall(f"{SITEMAP}sitemap")]
    assert locs == [f"http://testserver/sitemap-{section}.xml" for section in SECTIONS]
    for loc in locs:
        urlset_locs(client, loc.removeprefix("http://testserver"))


def test_articles_sitemap_lists_only_published_articles(client, newsroom):
    locs = urlset_locs(client, "/sitemap-articles.xml")
    assert sorted(locs) == sorted(absolute(article) for article in newsroom.values())


def test_pages_sources_and_tags_sitemaps(client, newsroom):
    make_source("Only drafts", "only-drafts")
    make_article("Draft", source=Article.objects.get(headline="Moscow draft").source,
                 tags=["Hidden topic"], status=Article.Status.DRAFT)
    assert urlset_locs(client, "/sitemap-pages.xml") == [
        "http://testserver/", "http://testserver/articles/",
    ]
    assert sorted(urlset_locs(client, "/sitemap-sources.xml")) == [
        "http://testserver/sources/desk/", "http://testserver/sources/wire/",
    ]
    assert urlset_locs(client, "/sitemap-tags.xml") == [
        f"http://testserver/tags/{slug}/" for slug in ["economy", "russia", "sahel", "senegal"]
    ]


@pytest.fixture
def recent():
    """Articles around the news sitemap's two-day window."""
    desk = make_source("Partner Desk", "desk")
    return {
        "hour": make_article("An hour ago", source=desk, tags=["Sahel", "Niger"],
                             age=timedelta(hours=1)),
        "french": make_article("Il y a un jour", source=desk, language="fr",
                               age=timedelta(days=1)),
        "three_days": make_article("Three days ago", source=desk, age=timedelta(days=3)),
        "draft": make_article("Recent draft", source=desk, status=Article.Status.DRAFT,
                              age=timedelta(hours=1)),
        "scheduled": make_article("Scheduled", source=desk, age=-timedelta(hours=1)),
    }


def test_news_sitemap_lists_only_the_last_two_days(client, recent):
    response, root = get_xml(client, "/sitemap-news.xml")
    assert root.tag == f"{SITEMAP}urlset"
    assert f'xmlns:news="{NEWS_NS}"' in response.content.decode()
    urls = root.findall(f"{SITEMAP}url")
    assert [url.findtext(f"{SITEMAP}loc") for url in urls] == [
        absolute(recent["hour"]), absolute(recent["french"]),
    ]
    body = response.content.decode()
    for absent in ["Three days ago", "Recent draft", "Scheduled"]:
        assert absent not in body


def test_news_sitemap_entries_have_title_date_and_language(client, recent):
    _, root = get_xml(client, "/sitemap-news.xml")
    entries = {}
    for url in root.findall(f"{SITEMAP}url"):
        news = url.find(f"{NEWS}news")
        assert news is not None
        entries[url.findtext(f"{SITEMAP}loc")] = news

    hour = entries[absolute(recent["hour"])]
    assert hour.findtext(f"{NEWS}title") == "An hour ago"
    assert hour.find(f"{NEWS}publication").findtext(f"{NEWS}language") == "en"
    assert hour.find(f"{NEWS}publication").findtext(f"{NEWS}name") == "Newsroom"
    french = entries[absolute(recent["french"])]
    assert french.findtext(f"{NEWS}title") == "Il y a un jour"
    assert french.find(f"{NEWS}publication").findtext(f"{NEWS}language") == "fr"


def test_news_sitemap_dates_are_w3c_datetimes(client, recent):
    """news:publication_date and lastmod must be W3C datetimes (ISO 8601 with a UTC offset)."""
    _, root = get_xml(client, "/sitemap-news.xml")
    article = Article.objects.get(pk=recent["hour"].pk)
    url = next(u for u in root.findall(f"{SITEMAP}url")
               if u.findtext(f"{SITEMAP}loc") == absolute(article))
    text = url.find(f"{NEWS}news").findtext(f"{NEWS}publication_date")
    published = datetime.fromisoformat(text)
    assert published.tzinfo is not None
    assert abs(published - article.published_at) < timedelta(seconds=1)
    lastmod = datetime.fromisoformat(url.findtext(f"{SITEMAP}lastmod"))
    assert lastmod.tzinfo is not None
    assert abs(lastmod - article.updated_at) < timedelta(seconds=1)


def test_news_sitemap_window_edges(client):
    desk = make_source("Partner Desk", "desk")
    make_article("Just inside", source=desk, age=timedelta(days=2) - timedelta(minutes=5))
    make_article("Just outside", source=desk, age=timedelta(days=2) + timedelta(minutes=5))
    make_article("Now", source=desk, published_at=timezone.now() - timedelta(seconds=1))
    _, root = get_xml(client, "/sitemap-news.xml")
    titles = [url.find(f"{NEWS}news").findtext(f"{NEWS}title")
              for url in root.findall(f"{SITEMAP}url")]
    assert titles == ["Now", "Just inside"]
