"""Names in any script: every tag, source and article gets a non-empty, unique slug that routes,
through the import, the admin and the ORM; pages, feeds and sitemaps answer for it."""

import logging
import xml.etree.ElementTree as ET
from urllib.parse import unquote, urlsplit

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from taggit.models import Tag

from articles.ingest.importer import import_paths
from articles.models import Article, Source
from tests.admin_helpers import article_form, form_errors
from tests.factories import make_article, make_source
from tests.page_parsers import parse

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"

# (kicker, source, headline) in French, Russian and Arabic.
NAMES = [
    ("Économie", "Le Monde Diplomatique", "Côte d'Ivoire : la croissance repart"),
    ("Россия", "Россия Сегодня", "Министры встретились в Москве"),
    ("الاقتصاد", "الجزيرة", "وزراء الساحل يجتمعون في موسكو"),
]


def write_import(folder, names, published=True):
    """One file per (kicker, source, headline), with a manifest naming its source and headline."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = []
    for number, (kicker, source, headline) in enumerate(names):
        (folder / f"{number}.txt").write_text(
            f"{kicker}\nThe lead of story {number} in {folder.name}, about {kicker}.\n\n"
            f"A second paragraph.\n", encoding="utf-8")
        manifest.append(f'[[source]]\nkey = "s{number}"\nname = "{source}"\n')
        manifest.append(
            f'[[article]]\nfile = "{number}.txt"\nsource = "s{number}"\nheadline = "{headline}"\n'
            f'published = 2025-04-0{number + 1}T09:00:00Z\n'
            f'status = "{"published" if published else "draft"}"\n')
    (folder / "manifest.toml").write_text("\n".join(manifest), encoding="utf-8")
    return folder


def assert_answers(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response


def assert_is_uri_that_resolves(client, url):
    """`url` (absolute or a path) is plain ASCII, percent-encoded, and its page answers 200."""
    assert url.isascii(), url
    path = urlsplit(url).path
    assert_answers(client, path)
    return unquote(path)


def sitemap_paths(client, section):
    response = assert_answers(client, f"/sitemap-{section}.xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own test server
    return [assert_is_uri_that_resolves(client, loc.text)
            for loc in root.iter(f"{SITEMAP}loc")]


def assert_section_routes(client, page_url, name):
    """A tag's or source's page, RSS and Atom feeds answer, and the feeds link back to it."""
    page = parse(assert_answers(client, page_url))
    assert page.find("h1").clean_text == name
    rss = ET.fromstring(assert_answers(client, f"{page_url}rss/").content)  # noqa: S314
    assert_is_uri_that_resolves(client, rss.find("channel").findtext("link"))
    atom = ET.fromstring(assert_answers(client, f"{page_url}atom/").content)  # noqa: S314
    for link in atom.findall(f"{ATOM}link"):
        assert_is_uri_that_resolves(client, link.attrib["href"])


def test_names_in_french_russian_and_arabic_route_through_the_import(client, tmp_path):
    assert import_paths([write_import(tmp_path / "wire", NAMES)]).ok

    for kicker, source_name, headline in NAMES:
        article = Article.objects.get(headline=headline)
        source = Source.objects.get(name=source_name)
        tag = Tag.objects.get(name=kicker)
        page = parse(assert_answers(client, article.get_absolute_url()))
        tag_links = [a.attrs["href"] for a in page.find("ul", cls="tags").find_all("a")]
        assert [assert_is_uri_that_resolves(client, href) for href in tag_links] == [
            f"/tags/{tag.slug}/"]
        source_link = page.find("p", cls="meta").find("a").attrs["href"]
        assert assert_is_uri_that_resolves(client, source_link) == f"/sources/{source.slug}/"
        assert_section_routes(client, f"/tags/{tag.slug}/", kicker)
        assert_section_routes(client, f"/sources/{source.slug}/", source_name)

    tags = {unquote(path) for path in sitemap_paths(client, "tags")}
    assert tags == {f"/tags/{slug}/" for slug in Tag.objects.values_list("slug", flat=True)}
    assert len(sitemap_paths(client, "sources")) == len(sitemap_paths(client, "articles")) == 3


def test_the_slugs_keep_their_words(tmp_path):
    assert import_paths([write_import(tmp_path / "wire", NAMES)]).ok
    assert sorted(Tag.objects.values_list("slug", flat=True)) == [
        "économie", "россия", "الاقتصاد"]
    assert sorted(Source.objects.values_list("slug", flat=True)) == [
        "le-monde-diplomatique", "россия-сегодня", "الجزيرة"]
    assert sorted(Article.objects.values_list("slug", flat=True)) == [
        "côte-divoire-la-croissance-repart", "министры-встретились-в-москве",
        "وزراء-الساحل-يجتمعون-في-موسكو"]


def test_a_kicker_in_another_script_imported_again_finds_its_tag(tmp_path, caplog):
    assert import_paths([write_import(tmp_path / "first", NAMES)]).ok
    caplog.set_level(logging.INFO, logger="articles.ingest.importer")
    report = import_paths([write_import(tmp_path / "again", NAMES)])
    assert report.ok and report.totals["created"] == 3
    # The batch went in whole: no tag was created twice, so no batch was refused.
    assert "refused" not in caplog.text
    assert Tag.objects.count() == 3
    for kicker, _, _ in NAMES:
        assert Article.objects.filter(tags__name=kicker).count() == 2


def test_names_with_no_letter_get_their_kind_and_a_number(client, tmp_path):
    names = [("🔥", "★★★", "!!!"), ("🔥🔥", "…", "—")]
    assert import_paths([write_import(tmp_path / "wire", names)]).ok
    assert sorted(Article.objects.values_list("slug", flat=True)) == ["article-1", "article-2"]
    assert sorted(Source.objects.values_list("slug", flat=True)) == ["source-1", "source-2"]
    article = make_article("A story", slug="a-story", source=make_source("Desk", "desk"),
                           tags=["🎉", "?!"])
    assert sorted(Tag.objects.values_list("slug", flat=True)) == [
        "tag-1", "tag-2", "tag-3", "tag-4"]
    for tag in [*article.tags.all(), *Tag.objects.filter(name__in=["🔥", "🔥🔥"])]:
        assert_section_routes(client, reverse("articles:tag", kwargs={"slug": tag.slug}),
                              tag.name)
    for source in Source.objects.all():
        assert_section_routes(client, source.get_absolute_url(), source.name)
    assert len(sitemap_paths(client, "tags")) == 4


def test_clashing_and_long_names_get_distinct_slugs_that_fit(client):
    # Tags are case-insensitive, but where the database folds ASCII only (SQLite) these are
    # two tags with one slug to share.
    long_upper, long_lower = "Ω" * 100, "ω" * 100
    article = make_article("A story", tags=["Côte d'Ivoire", "Côte-d'Ivoire", long_upper])
    article.tags.add(long_lower)
    slugs = list(Tag.objects.values_list("slug", flat=True))
    assert len(set(slugs)) == Tag.objects.count()
    assert all(0 < len(slug) <= 100 for slug in slugs)
    assert {"côte-divoire", "côte-divoire-2"} <= set(slugs)
    for tag in Tag.objects.all():
        assert_answers(client, reverse("articles:tag", kwargs={"slug": tag.slug}))


def test_an_editor_names_a_source_and_tags_in_another_script_in_the_admin(client, admin_client):
    response = admin_client.post(reverse("admin:articles_source_add"), {
        "name": "Россия Сегодня", "slug": "россия-сегодня", "kind": "outlet",
        "homepage_url": "", "country": "", "language": "ru"})
    assert response.status_code == 302, form_errors(response)
    source = Source.objects.get(slug="россия-сегодня")

    url, data = article_form(admin_client)
    response = admin_client.post(url, {
        **data, "source": source.pk, "headline": "Министры встретились в Москве",
        "slug": "министры-встретились-в-москве", "body": "Первый абзац.\n\nВторой.",
        "language": "ru", "tags": "Россия, Économie, الاقتصاد", "status": "published"})
    assert response.status_code == 302, form_errors(response)

    article = Article.objects.get(slug="министры-встретились-в-москве")
    page = parse(assert_answers(client, article.get_absolute_url()))
    for href in (a.attrs["href"] for a in page.find("ul", cls="tags").find_all("a")):
        tag = Tag.objects.get(slug=assert_is_uri_that_resolves(client, href).split("/")[2])
        assert_section_routes(client, f"/tags/{tag.slug}/", tag.name)
    assert_section_routes(client, source.get_absolute_url(), "Россия Сегодня")
    assert len(sitemap_paths(client, "tags")) == 3


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_unroutable_slugs_new_ones_and_keeps_the_others():
    executor = MigrationExecutor(connection)
    before = [("articles", "0006_search_document")]
    after = [("articles", "0007_unicode_slugs")]
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    OldTag = apps.get_model("taggit", "Tag")
    OldSource = apps.get_model("articles", "Source")
    OldTag.objects.create(name="🔥", slug="")  # what taggit made of such a name
    OldTag.objects.create(name="Россия", slug="россия")
    OldSource.objects.create(name="Le Desk", slug="le desk")  # written by other code
    OldSource.objects.create(name="Sahel Wire", slug="sahel-wire")

    executor = MigrationExecutor(connection)
    try:
        executor.migrate(after)
        tags = dict(Tag.objects.values_list("name", "slug"))
        sources = dict(Source.objects.values_list("name", "slug"))
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())  # as the other tests expect

    assert tags == {"🔥": "tag-1", "Россия": "россия"}
    assert sources == {"Le Desk": "le-desk", "Sahel Wire": "sahel-wire"}
