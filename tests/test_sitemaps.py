"""The sitemap index, its sections and the news sitemap (articles.sitemaps), parsed as XML;
and robots.txt, which names the sitemap."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article, make_source
from tests.page_parsers import NEWS, NEWS_NS, SITEMAP, absolute, get_xml

pytestmark = pytest.mark.django_db


def test_robots_txt(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Disallow: /admin/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines


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


def test_the_articles_pages_start_at_the_lowest_id(client, monkeypatch):
    from articles.sitemaps import ArticleSitemap

    monkeypatch.setattr(ArticleSitemap, "limit", 2)
    gone = [make_article(f"Gone {n}") for n in range(4)]
    Article.objects.filter(pk__in=[article.pk for article in gone]).delete()
    kept = [make_article(f"Kept {n}") for n in range(3)]

    _, root = get_xml(client, "/sitemap.xml")
    pages = [loc.text for loc in root.iter(f"{SITEMAP}loc") if "sitemap-articles" in loc.text]
    # Three articles, two a page, however many ids the deleted ones held.
    assert pages == ["http://testserver/sitemap-articles.xml",
                     "http://testserver/sitemap-articles.xml?p=2"]
    listed = (urlset_locs(client, "/sitemap-articles.xml")
              + urlset_locs(client, "/sitemap-articles.xml?p=2"))
    assert listed == [absolute(article) for article in kept]


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


# -------------------------------------------------------------------------------------------
# The news sitemap


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
