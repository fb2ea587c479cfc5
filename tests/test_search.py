"""Full-text search (articles.search): what the list's search box finds and in which order,
on SQLite and on PostgreSQL's stored search document."""

import pytest
from django.db import connection

from articles.ingest.importer import import_paths
from articles.models import Article
from articles.pagination import count_up_to
from articles.search import MAX_SEARCH_WORDS, words_of
from tests.factories import make_article
from tests.page_parsers import card_headlines, get_page

pytestmark = pytest.mark.django_db


def test_search_finds_words_that_start_with_the_search_word(client):
    make_article("Troops on the border", body="Russian instructors arrived on Monday.")
    page = get_page(client, "/articles/?q=russia")
    assert card_headlines(page.find("section", cls="results")) == ["Troops on the border"]


def test_search_ranks_headline_matches_above_body_matches(client, catalogue):
    page = get_page(client, "/articles/?q=Moscow")
    # "Harvest report" is newer but names Moscow only in its body.
    assert card_headlines(page.find("section", cls="results")) == [
        "Ministers meet in Moscow", "Harvest report"]


def test_search_follows_every_edit_and_the_import(client, tmp_path):
    """On PostgreSQL the searched document is a stored column: it must follow every write."""
    article = make_article("Troops on the border", body="Instructors arrived on Monday.")

    def found(word):
        return card_headlines(get_page(client, f"/articles/?q={word}").find("section",
                                                                                cls="results"))

    assert found("instructors") == ["Troops on the border"]
    article.body = "Advisers arrived on Tuesday."
    article.save()
    assert found("instructors") == []
    assert found("advisers") == ["Troops on the border"]
    Article.objects.filter(pk=article.pk).update(headline="Convoy at the frontier")
    assert found("convoy") == ["Convoy at the frontier"]
    assert found("troops") == []
    (tmp_path / "wire.txt").write_text("Sahel\nGendarmes patrolled the dunes at dawn.\n")
    (tmp_path / "manifest.toml").write_text(
        '[[source]]\nkey = "wire"\nname = "Wire"\n\n'
        '[[article]]\nfile = "wire.txt"\nsource = "wire"\nheadline = "Dune patrols"\n'
    )
    import_paths([tmp_path], publish=True)
    assert found("gendarmes") == ["Dune patrols"]


def test_the_postgresql_search_document_follows_the_kicker_and_leaves_column_types_free(
        client):
    if connection.vendor != "postgresql":
        pytest.skip("the stored search document is PostgreSQL's")
    article = make_article("Troops on the border", kicker="Sahel")
    Article.objects.filter(pk=article.pk).update(kicker="Niamey")
    results = get_page(client, "/articles/?q=niamey").find("section", cls="results")
    assert card_headlines(results) == ["Troops on the border"]
    # The trigger names no column, so a later migration may still change their types.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's own inserts, checked now
        cursor.execute("ALTER TABLE articles_article ALTER COLUMN kicker TYPE varchar(120)")


def test_text_without_words_narrows_nothing():
    articles = {make_article("Troops on the border"), make_article("Harvest report")}
    assert set(Article.objects.search(" … !? — ")) == articles
    assert set(Article.objects.search("")) == articles


def test_only_the_first_words_of_a_long_search_are_looked_for():
    make_article("Troops on the border", body="Russian instructors arrived on Monday.")
    first = "troops border russian instructors arrived monday troops border russian instructors"
    assert len(words_of(f"{first} unheard")) == MAX_SEARCH_WORDS
    # The word past the bound would match nothing: it is not looked for.
    found = Article.objects.search(f"{first} unheard")
    assert [article.headline for article in found] == ["Troops on the border"]
    assert not Article.objects.search("troops unheard").exists()


def test_a_search_with_more_matches_than_are_ranked_lists_the_newest_first(
    client, catalogue, settings
):
    settings.SEARCH_RANKED_MATCHES = 1
    page = get_page(client, "/articles/?q=Moscow")
    # Ranked, "Ministers meet in Moscow" (its headline) would come first; with more matches
    # than are ranked, the newest does.
    assert card_headlines(page.find("section", cls="results")) == [
        "Harvest report", "Ministers meet in Moscow"]
    settings.SEARCH_RANKED_MATCHES = 4  # the index holds the draft and the scheduled one too
    page = get_page(client, "/articles/?q=Moscow")
    assert card_headlines(page.find("section", cls="results")) == [
        "Ministers meet in Moscow", "Harvest report"]


def test_a_search_with_more_matches_than_are_ranked_counts_what_readers_may_see(
    client, catalogue, settings
):
    settings.SEARCH_RANKED_MATCHES = 1
    # The draft and the scheduled article match too: never counted for readers.
    page = get_page(client, "/articles/?q=Moscow")
    assert page.find("h2", id="results-title").text == "2 articles"
    # Every other filter narrows the count as it narrows the list, whichever comes first in
    # the address.
    page = get_page(client, "/articles/?tag=Economy&q=Moscow")
    assert page.find("h2", id="results-title").text == "1 article"
    assert card_headlines(page.find("section", cls="results")) == ["Harvest report"]


def test_a_filter_after_a_search_counts_its_own_rows(catalogue, settings):
    settings.SEARCH_RANKED_MATCHES = 1
    found = Article.objects.published().search("Moscow")
    assert count_up_to(found, 10) == 2
    assert count_up_to(found.filter(headline__startswith="Harvest"), 10) == 1
    assert count_up_to(found.none(), 10) == 0
