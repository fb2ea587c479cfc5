"""What search engines, social networks and feed readers read of an article: JSON-LD, Open
Graph, and the feeds' full stories."""

import json
import re
import textwrap
from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from django.utils import timezone

from articles.ingest.importer import import_paths
from articles.models import Article, Correction
from tests.factories import make_article, make_source

pytestmark = pytest.mark.django_db

JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
META = re.compile(r'<meta (?:property|name)="([^"]+)" content="([^"]*)"')


def head_of(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    [block] = JSON_LD.findall(html)
    return json.loads(block), dict(META.findall(html))


def imported_published_months_ago(folder):
    """An article imported today whose manifest says it was published in April 2025."""
    (folder / "a.txt").write_text(textwrap.dedent("""\
        Mali
        Le gouvernement a annoncé cette semaine un nouveau plan pour la région du Sahel.
        Les ministres se sont réunis à Bamako pour en discuter.
        """), encoding="utf-8")
    (folder / "manifest.toml").write_text(textwrap.dedent("""\
        [[source]]
        key = "dakar"
        name = "Dakar Matin"
        url = "https://dakar.example.com/"

        [[article]]
        file = "a.txt"
        source = "dakar"
        headline = "Un plan pour le Sahel"
        published = 2025-04-01T09:00:00Z
        status = "published"
        """), encoding="utf-8")
    assert import_paths([folder]).ok
    return Article.objects.get()


def test_json_ld_names_the_source_as_author_and_the_publisher_with_its_logo(client, tmp_path):
    article = imported_published_months_ago(tmp_path)
    data, _ = head_of(client, article)

    assert data["@type"] == "NewsArticle"
    assert data["author"] == [{"@type": "Organization", "name": "Dakar Matin",
                               "url": "https://dakar.example.com/"}]
    logo = data["publisher"]["logo"]
    assert logo["@type"] == "ImageObject" and logo["url"].endswith("/static/img/logo.png")
    assert (logo["width"], logo["height"]) == (600, 60)
    [image] = data["image"]
    assert image["url"].startswith("http://testserver/") and image["url"].endswith(".png")
    assert (image["width"], image["height"]) == (1200, 630)
    assert data["inLanguage"] == "fr"


def test_date_modified_is_the_last_editorial_change_not_the_import(client, tmp_path):
    article = imported_published_months_ago(tmp_path)
    published = datetime(2025, 4, 1, 9, 0, tzinfo=UTC)

    data, meta = head_of(client, article)
    assert datetime.fromisoformat(data["datePublished"]) == published
    assert datetime.fromisoformat(data["dateModified"]) == published  # imported today: no news
    assert datetime.fromisoformat(meta["article:modified_time"]) == published

    noted = timezone.now().replace(microsecond=0) - timedelta(hours=2)
    Correction.objects.create(article=article, note="The meeting was in Bamako.", noted_at=noted)
    assert datetime.fromisoformat(head_of(client, article)[0]["dateModified"]) == noted


def test_an_editors_save_after_the_import_is_a_modification(client, tmp_path):
    article = imported_published_months_ago(tmp_path)
    article.imported_at -= timedelta(minutes=5)  # imported a while ago
    article.save(update_fields=["imported_at"])
    article.refresh_from_db()
    article.headline = "Un plan pour le Sahel, adopté"
    article.save()

    modified = datetime.fromisoformat(head_of(client, article)[0]["dateModified"])
    assert modified > timezone.now() - timedelta(minutes=1)


@pytest.mark.parametrize(("language", "locale"), [("en", "en_US"), ("fr", "fr_FR")])
def test_open_graph_has_the_locale_and_a_picture(client, language, locale):
    article = make_article("Ministers meet", language=language)
    _, meta = head_of(client, article)
    assert meta["og:locale"] == locale
    assert meta["og:image"].startswith("http://testserver/")
    assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "630")
    assert meta["twitter:image"] == meta["og:image"]


def test_the_share_image_and_logo_can_be_configured(client, settings):
    settings.NEWSROOM_IMAGES = {"logo": ("https://cdn.example.com/logo.png", 300, 60),
                                "share": ("https://cdn.example.com/share.jpg", 1600, 900)}
    data, meta = head_of(client, make_article("Ministers meet"))
    assert data["publisher"]["logo"]["url"] == "https://cdn.example.com/logo.png"
    assert data["image"][0]["url"] == meta["og:image"] == "https://cdn.example.com/share.jpg"


HOSTILE = '<script>alert("x")</script> & <b>bold</b>'


@pytest.mark.parametrize("url", ["/feeds/rss/", "/feeds/atom/"])
def test_feeds_carry_the_whole_story_escaped(client, url):
    make_article("Ministers meet", source=make_source("Wire"),
                 body=f"The ministers met on Monday.\n\nThen they said {HOSTILE}.\n\nThe end.")
    feed = feedparser.parse(client.get(url).content)

    assert not feed.bozo, feed.bozo_exception
    [entry] = feed.entries
    [content] = entry.content
    assert content.type == "text/html"
    # Three paragraphs, and the hostile text as text: escaped once for HTML, once for XML.
    assert content.value.count("<p>") == 3
    assert "<script>" not in content.value and "&lt;script&gt;" in content.value
    assert "The end." in content.value
    assert entry.summary.startswith("The ministers met on Monday.")
