"""The page cache follows every change readers can see: the very next anonymous request shows
it, while pages that do not show what changed stay cached; and each page names what it shows,
for a CDN to purge."""

import textwrap

import pytest

import articles.views
from articles.cache import invalidate, keys_changed
from articles.ingest.importer import import_paths
from articles.ingest.parse import normalise
from articles.models import Article, Correction, RelatedLink
from articles.workflow import publish, unpublish
from tests.cache_helpers import ARTICLE_URL, HEADLINE, page, queries_for, warm
from tests.factories import make_article, make_link, make_source

# Transactions really commit here: a change is marked in the cache when its transaction
# commits, as in production. The cache is on (PAGE_CACHE_SECONDS=300), cleared before and after.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("page_cache")]


# -------------------------------------------------------------------------------------------
# The next anonymous request shows the change


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
# Only what changed, named for a CDN


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
