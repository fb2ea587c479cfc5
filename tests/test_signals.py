"""Every write that changes a public page sends content_changed (articles.signals) with the ids of
what it touched: saves and deletes through the ORM by articles.receivers, and the writes that
send no model signals (link resolution, the workflow's updates, the import's inserts) by
themselves. A receiver connected here records each send."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from taggit.models import Tag

from articles.ingest.importer import import_paths
from articles.ingest.writer import ArticleWriter
from articles.models import Article, Correction, RelatedLink, Source, TaggedArticle
from articles.signals import MAX_NAMED, content_changed
from articles.text import normalise
from articles.workflow import publish, submit_for_review, unpublish
from tests.factories import make_article, make_link, make_source

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Change:
    sender: type
    articles: frozenset = frozenset()
    sources: frozenset = frozenset()
    tags: frozenset = frozenset()
    everything: bool = False


@pytest.fixture
def changes():
    """The content_changed sends from here on, as Change values."""
    sent = []

    def record(sender, articles=(), sources=(), tags=(), everything=False, **kwargs):
        sent.append(Change(sender, frozenset(articles), frozenset(sources), frozenset(tags),
                           everything))

    content_changed.connect(record, dispatch_uid="tests.test_signals")
    yield sent
    content_changed.disconnect(dispatch_uid="tests.test_signals")


@pytest.fixture
def article():
    article = make_article("Ministers meet in Moscow", tags=["Sahel", "Russia"])
    make_link(article, teaser="The first related teaser")
    return article


def tag_ids(article):
    return frozenset(article.tags.values_list("pk", flat=True))


# -------------------------------------------------------------------------------------------
# Articles


def test_creating_an_article_names_it_and_its_source(changes):
    source = make_source()
    article = make_article(source=source)
    assert Change(Article, {article.pk}, {source.pk}) in changes


def test_saving_an_article_names_it_and_its_source(article, changes):
    article.headline = "Ministers meet again"
    article.save()
    assert changes == [Change(Article, {article.pk}, {article.source_id})]


def test_moving_an_article_to_another_source_names_both_sources(article, changes):
    old, new = article.source, make_source()
    changes.clear()
    article.source = new
    article.save()
    assert changes == [Change(Article, {article.pk}, {old.pk, new.pk})]


def test_deleting_an_article_names_it_and_its_source(article, changes):
    pk, source, tags = article.pk, article.source_id, tag_ids(article)
    article.delete()
    assert Change(Article, {pk}, {source}) in changes
    # Its tag rows and links go with it, each naming the article.
    assert {change.sender for change in changes} >= {Article, TaggedArticle, RelatedLink}
    assert all(change.articles == {pk} for change in changes)
    assert frozenset().union(*(change.tags for change in changes)) == tags


# -------------------------------------------------------------------------------------------
# Tags


def test_adding_a_tag_names_the_article_and_the_tag(article, changes):
    article.tags.add("Niger")
    niger = Tag.objects.get(name="Niger")
    assert Change(TaggedArticle, {article.pk}, tags={niger.pk}) in changes
    # The new tag itself is on no page yet: its creation is not a change of its own.
    assert not [change for change in changes if change.sender is Tag]


def test_removing_a_tag_names_the_article_and_the_tag(article, changes):
    sahel = article.tags.get(name="Sahel")
    article.tags.remove(sahel)
    assert Change(TaggedArticle, {article.pk}, tags={sahel.pk}) in changes


def test_clearing_the_tags_names_every_tag_the_article_had(article, changes):
    had = tag_ids(article)
    article.tags.clear()
    assert Change(TaggedArticle, {article.pk}, tags=had) in changes


def test_renaming_a_tag_names_the_tag(article, changes):
    tag = article.tags.get(name="Sahel")
    tag.name = "West Africa"
    tag.save()
    assert changes == [Change(Tag, tags={tag.pk})]


def test_deleting_a_tag_names_it_and_its_articles(article, changes):
    tag = article.tags.get(name="Sahel")
    pk = tag.pk
    tag.delete()
    assert Change(Tag, tags={pk}) in changes
    assert Change(TaggedArticle, {article.pk}, tags={pk}) in changes


# -------------------------------------------------------------------------------------------
# Corrections, related links, sources


def test_a_correction_names_its_article(article, changes):
    correction = Correction.objects.create(article=article, note="The talks are on Friday.")
    assert changes == [Change(Correction, {article.pk})]
    changes.clear()
    correction.delete()
    assert changes == [Change(Correction, {article.pk})]


def test_a_related_link_names_its_article(article, changes):
    link = make_link(article, teaser="A second teaser")
    assert changes == [Change(RelatedLink, {article.pk})]
    changes.clear()
    link.teaser = "A second teaser, edited"
    link.save()
    link.delete()
    assert changes == [Change(RelatedLink, {article.pk})] * 2


def test_renaming_a_source_names_the_source(article, changes):
    source = article.source
    source.name = "Renamed Wire Service"
    source.save()
    assert changes == [Change(Source, sources={source.pk})]


def test_a_new_source_is_no_change(changes):
    make_source()
    assert changes == []


# -------------------------------------------------------------------------------------------
# Writes that send no model signals announce themselves


def test_resolving_links_names_the_articles_whose_sidebars_changed(article, changes):
    target = make_article("Niger nationalises the uranium venture")
    page = make_article("Another page")
    for owner in (article, page):
        make_link(owner, RelatedLink.Kind.VIDEO, title=target.headline,
                  match_key=f"h:{normalise(target.headline)}")
    changes.clear()

    assert RelatedLink.objects.resolve() == 2

    assert changes == [Change(RelatedLink, {article.pk, page.pk})]


def test_resolving_nothing_sends_nothing(article, changes):
    assert RelatedLink.objects.resolve() == 0
    assert changes == []


def test_resolving_links_on_more_articles_than_can_be_named_announces_everything(changes):
    target = make_article("Niger nationalises the uranium venture")
    source = make_source()
    # Rows in bulk: no signals, no saves; the keys written as save() would write them.
    pages = Article.objects.bulk_create(
        Article(source=source, headline=f"Page {n}", slug=f"page-{n}", body="A body.")
        for n in range(MAX_NAMED + 1))
    RelatedLink.objects.bulk_create(
        RelatedLink(article=page, kind=RelatedLink.Kind.VIDEO, title=target.headline,
                    match_key=f"h:{normalise(target.headline)}") for page in pages)
    changes.clear()

    assert RelatedLink.objects.resolve() == MAX_NAMED + 1

    assert changes == [Change(RelatedLink, everything=True)]


def test_the_workflow_names_the_articles_it_changed(changes, superuser):
    draft = make_article(status=Article.Status.DRAFT)
    live = make_article()
    scheduled = make_article(status=Article.Status.DRAFT, age=-timedelta(hours=1))
    changes.clear()

    assert submit_for_review(Article.objects.filter(pk=draft.pk), superuser) == 1
    assert publish(Article.objects.filter(pk__in=[draft.pk, scheduled.pk]), superuser) == 2
    assert unpublish(Article.objects.filter(pk=live.pk), superuser) == 1
    # Nothing left to change: no announcement.
    assert unpublish(Article.objects.filter(pk=live.pk), superuser) == 0

    assert changes == [Change(Article, {draft.pk}), Change(Article, {draft.pk, scheduled.pk}),
                       Change(Article, {live.pk})]


def test_an_import_names_the_sources_and_tags_its_new_articles_join(changes, tmp_path):
    (tmp_path / "a.txt").write_text("Sahel\nThe ministers met in Niamey on Monday.\n",
                                    encoding="utf-8")
    (tmp_path / "manifest.toml").write_text(
        '[[source]]\nkey = "wire"\nname = "Import Wire"\n\n'
        '[[article]]\nfile = "a.txt"\nsource = "wire"\nheadline = "Joint force agreed"\n',
        encoding="utf-8")

    assert import_paths([tmp_path], publish=True).counts()["created"] == 1

    source = Source.objects.get(name="Import Wire")
    sahel = Tag.objects.get(name="Sahel")
    assert Change(ArticleWriter, sources={source.pk}, tags={sahel.pk}) in changes
