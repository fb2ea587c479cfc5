"""What articles are about, kept as rows (articles.about): by the import, an editor's save and
`manage.py analyse_articles`; read by the `country` filter of the list, the feeds and the desk,
and shown on the article page."""

import io
from datetime import timedelta

import feedparser
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import pending
from articles.ingest.importer import import_paths
from articles.models import Article, ArticleCountry, CitedOutlet
from articles.models import articles as article_models
from articles.pagination import count_up_to
from tests.admin_helpers import ARTICLES, SEED_1, SEED_2, article_form, form_errors
from tests.factories import make_article, make_source
from tests.import_helpers import manifest, write
from tests.page_parsers import card_headlines, parse

pytestmark = pytest.mark.django_db


def codes(article):
    """The article's countries, as its rows hold them and, the same, its page's copy."""
    rows = list(article.countries.values_list("code", flat=True))
    assert Article.objects.get(pk=article.pk).country_codes.split() == rows
    return rows


def outlets(article):
    rows = list(article.cited_outlets.values_list("name", "source__name"))
    # Its page reads them when it cites one (the page of an article citing only its own
    # source asks and finds none).
    assert Article.objects.get(pk=article.pk).cites_outlets or not rows
    return rows


def story_file(place, outlet="Reuters", number=0, day="Monday"):
    return (f"Politics\nIn report {number}, ministers met in {place} on {day}, according to "
            f"{outlet}.\nThey spoke of trade and of the border.\n")


def one_story(folder, text):
    """A file with its URL in a manifest: the same story when its text changes."""
    write(folder, "a.txt", text)
    manifest(folder, [{"file": "a.txt", "source": "wire", "url": "https://wire.example/a",
                       "headline": "Ministers meet"}])


# -------------------------------------------------------------------------------------------
# The import


def test_the_seeds_are_about_mali_burkina_faso_niger_and_russia(seeds_dir):
    assert import_paths([seeds_dir], publish=True).ok
    for headline in (SEED_1, SEED_2):
        article = Article.objects.get(headline=headline)
        assert set(codes(article)) == {"ML", "BF", "NE", "RU"}
        assert codes(article)[0] == "RU"
    assert outlets(Article.objects.get(headline=SEED_2)) == [("Burkina 24", None)]
    assert outlets(Article.objects.get(headline=SEED_1)) == []


def test_a_cited_outlet_is_our_source_of_that_name_in_any_case(seeds_dir):
    ours = make_source("BURKINA 24", "burkina-24")
    import_paths([seeds_dir], publish=True)
    assert CitedOutlet.objects.get(name="Burkina 24").source == ours


def test_a_source_created_or_renamed_later_finds_its_citations(seeds_dir):
    import_paths([seeds_dir], publish=True)
    cited = CitedOutlet.objects.get(name="Burkina 24")
    assert cited.source is None
    source = make_source("Burkina 24", "burkina-24")
    cited.refresh_from_db()
    assert cited.source == source
    source.name = "Burkina Daily"
    source.save()
    cited.refresh_from_db()
    assert cited.source is None


def test_an_outlet_is_found_by_any_of_its_names(tmp_path):
    afp = make_source("Agence France-Presse", "afp")
    write(tmp_path, "a.txt", story_file("Bamako", "AFP"))
    import_paths([tmp_path], source_name="Sahel Wire")
    assert outlets(Article.objects.get()) == [("AFP", "Agence France-Presse")]
    assert CitedOutlet.objects.get().source == afp


def test_a_story_never_cites_its_own_source(tmp_path):
    write(tmp_path / "afp", "a.txt", story_file("Bamako", "AFP"))
    write(tmp_path / "wire", "b.txt", story_file("Dakar", "AFP"))
    import_paths([tmp_path / "afp"], source_name="Agence France-Presse")
    import_paths([tmp_path / "wire"], source_name="Sahel Wire")
    assert outlets(Article.objects.get(source__name="Agence France-Presse")) == []
    assert outlets(Article.objects.get(source__name="Sahel Wire")) == [
        ("AFP", "Agence France-Presse")]


def import_counting_queries(folder, count):
    for number in range(count):
        place = ("Bamako", "Niamey", "Dakar")[number % 3]
        write(folder, f"{number}.txt", story_file(place, ("Reuters", "AFP")[number % 2], number,
                                                  day=folder.name))
    with CaptureQueriesContext(connection) as queries:
        report = import_paths([folder], source_name="Sahel Wire", workers=0)
    assert report.counts()["created"] == count
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT INTO")]
    tables = {sql.partition(" (")[0] for sql in inserts}
    return len(queries.captured_queries) - len(inserts), len(inserts), len(tables)


def test_a_batch_writes_what_its_articles_are_about_in_a_few_queries(tmp_path):
    make_source("Sahel Wire", "sahel-wire")
    make_source("Reuters", "reuters")
    import_counting_queries(tmp_path / "Sunday", 1)  # its tag, and whatever else comes once
    few, few_inserts, _ = import_counting_queries(tmp_path / "Monday", 3)
    many, many_inserts, tables = import_counting_queries(tmp_path / "Tuesday", 30)
    assert many == few  # no look-up per article
    # A table's rows go in statements of set sizes (512, 256, ... rows: see ingest.bulk), so
    # ten times the articles adds fewer than log2(10) + 1 statements a table, never one a row.
    assert many_inserts <= few_inserts + 4 * tables
    assert ArticleCountry.objects.count() == 34
    assert Article.objects.about_country("NE").count() == 1 + 10  # Niamey: every third
    assert CitedOutlet.objects.filter(name="Reuters", source__name="Reuters").count() == 18
    assert CitedOutlet.objects.filter(name="AFP", source=None).count() == 16


def test_an_archive_parsed_in_workers_is_analysed_too(tmp_path):
    for number in range(4):
        write(tmp_path, f"{number}.txt", story_file("Bamako", number=number))
    assert import_paths([tmp_path], source_name="Sahel Wire", workers=1).ok
    assert set(ArticleCountry.objects.values_list("code", flat=True)) == {"ML"}
    assert ArticleCountry.objects.count() == CitedOutlet.objects.count() == 4


def test_a_reimport_that_changes_the_story_changes_what_it_is_about(tmp_path):
    one_story(tmp_path, story_file("Bamako", "Reuters"))
    import_paths([tmp_path])
    article = Article.objects.get()
    assert (codes(article), outlets(article)) == (["ML"], [("Reuters", None)])
    one_story(tmp_path, story_file("Dakar", "AFP"))
    assert import_paths([tmp_path]).counts()["updated"] == 1
    assert (codes(article), outlets(article)) == (["SN"], [("AFP", None)])


def test_an_accepted_version_of_a_live_story_changes_what_it_is_about(tmp_path, editor):
    one_story(tmp_path, story_file("Bamako"))
    import_paths([tmp_path], publish=True)
    one_story(tmp_path, story_file("Accra"))
    assert import_paths([tmp_path]).counts()["held"] == 1
    article = Article.objects.get()
    assert codes(article) == ["ML"]  # readers still see the live text
    pending.accept(pending.waiting_version(article), editor)
    assert codes(article) == ["GH"]


# -------------------------------------------------------------------------------------------
# The desk


def test_an_editors_save_finds_again_what_the_story_is_about(as_editor, seeds_dir):
    import_paths([seeds_dir], publish=True)
    article = Article.objects.get(headline=SEED_2)
    url, data = article_form(as_editor, article)
    data["headline"] = "Ghana's president visits Lomé"
    data["image_caption"] = ""
    data["body"] = ("The visit was announced on Monday, according to Reuters.\r\n\r\n"
                    "Togo and Ghana share a long border.")
    response = as_editor.post(url, data)
    assert response.status_code == 302, form_errors(response)
    assert codes(article) == ["GH", "TG"]
    assert outlets(article) == [("Reuters", None)]


def test_a_save_that_leaves_the_text_alone_leaves_the_rows_alone(seeds_dir):
    import_paths([seeds_dir])
    article = Article.objects.get(headline=SEED_1)
    rows = list(ArticleCountry.objects.filter(article=article).values_list("pk", flat=True))
    article.status = Article.Status.REVIEW
    article.save(update_fields=["status"])
    assert list(ArticleCountry.objects.filter(article=article).values_list("pk", flat=True)) \
        == rows


def test_the_desk_lists_articles_by_country(as_editor, seeds_dir):
    import_paths([seeds_dir], publish=True)
    make_article("Elections in Dakar", body="Senegal votes.\n\nSenegal counts.")
    response = as_editor.get(ARTICLES, {"country": "SN"})
    assert [a.headline for a in response.context["cl"].result_list] == ["Elections in Dakar"]
    response = as_editor.get(ARTICLES, {"country": "ml"})
    assert {a.headline for a in response.context["cl"].result_list} == {SEED_1, SEED_2}
    html = as_editor.get(ARTICLES).content.decode()
    assert "By country" in html and "?country=SN" in html and ">Senegal<" in html


# -------------------------------------------------------------------------------------------
# Archives imported before: `manage.py analyse_articles`


def test_the_command_finds_what_every_article_is_about(seeds_dir):
    import_paths([seeds_dir], publish=True)
    make_article("Talks in Accra", body="Ghana hosts.\n\nMore.")
    before = sorted(ArticleCountry.objects.values_list("article", "code", "position"))
    ArticleCountry.objects.all().delete()  # as an archive imported before this
    CitedOutlet.objects.all().delete()
    out = io.StringIO()
    call_command("analyse_articles", "--batch-size", "2", "-v", "2", stdout=out)
    assert sorted(ArticleCountry.objects.values_list("article", "code", "position")) == before
    assert list(CitedOutlet.objects.values_list("name", flat=True)) == ["Burkina 24"]
    assert "2 articles analysed" in out.getvalue()
    assert "Analysed 3 articles" in out.getvalue()
    # Again: the same rows, none twice.
    call_command("analyse_articles", stdout=io.StringIO())
    assert sorted(ArticleCountry.objects.values_list("article", "code", "position")) == before


def test_the_command_refuses_an_empty_batch():
    with pytest.raises(CommandError, match="--batch-size must be at least 1"):
        call_command("analyse_articles", "--batch-size", "0")


# -------------------------------------------------------------------------------------------
# Readers: the country filter


@pytest.fixture
def places():
    mali = make_article("Talks in Bamako", body="Mali hosts its neighbours.\n\nMore.",
                        age=timedelta(hours=1))
    niger = make_article("Talks in Niamey", body="Niger hosts.\n\nMore.", age=timedelta(hours=2))
    both = make_article("Mali and Niger sign", age=timedelta(hours=3))
    draft = make_article("Draft on Mali", status=Article.Status.DRAFT)
    return {"mali": mali, "niger": niger, "both": both, "draft": draft}


def test_the_list_filters_by_country(client, places):
    response = client.get("/articles/?country=ML")
    assert response.status_code == 200
    assert card_headlines(parse(response)) == ["Talks in Bamako", "Mali and Niger sign"]
    assert card_headlines(parse(client.get("/articles/?country=ne"))) == [
        "Talks in Niamey", "Mali and Niger sign"]
    # A country no article is about: an empty list, not an error.
    page = parse(client.get("/articles/?country=SN"))
    assert card_headlines(page) == []
    assert "No published article matches these filters." in page.clean_text


# Three articles are about Mali: more than 2, as many as 3.
@pytest.mark.parametrize("common", [2, 3], ids=["common", "rare"])
def test_both_plans_of_the_country_filter_list_the_same_articles(client, places, monkeypatch,
                                                                 common):
    # Articles about a country more common than COMMON_COUNTRY are read down the date index,
    # the others joined from the index of countries (ArticleQuerySet.about_country).
    monkeypatch.setattr(article_models, "COMMON_COUNTRY", common)
    found = Article.objects.published().about_country("ML").for_listing()
    assert ("EXISTS" in str(found.query)) == (common == 2)
    assert [a.headline for a in found] == ["Talks in Bamako", "Mali and Niger sign"]
    assert count_up_to(found, 10) == 2
    assert Article.objects.about_country("ML").count() == 3  # the draft too
    assert list(Article.objects.about_country("SN")) == []
    assert card_headlines(parse(client.get("/articles/?country=ML&q=talks"))) == [
        "Talks in Bamako"]


def test_a_code_that_is_no_country_is_refused(client, places):
    response = client.get("/articles/?country=XX")
    assert response.status_code == 400
    page = parse(response)
    assert card_headlines(page) == []
    assert "Select a valid choice" in page.find("form", cls="filters").clean_text
    assert client.get("/articles/?country=Mali").status_code == 400


def test_the_feeds_filter_by_country(client, places):
    feed = feedparser.parse(client.get("/feeds/rss/?country=NE").content)
    assert [entry.title for entry in feed.entries] == ["Talks in Niamey", "Mali and Niger sign"]
    atom = feedparser.parse(client.get("/feeds/atom/?country=ML").content)
    assert [entry.title for entry in atom.entries] == ["Talks in Bamako", "Mali and Niger sign"]
    response = client.get("/feeds/rss/?country=XX")
    assert response.status_code == 400
    assert response.content.decode().startswith("Invalid filters:\ncountry: ")


def test_the_filter_form_offers_every_country_by_name(client, places):
    select = parse(client.get("/articles/?country=ML")).find("select", name="country")
    options = select.find_all("option")
    assert (options[0].attrs["value"], options[0].clean_text) == ("", "Any country")
    assert len(options) == 250  # every ISO 3166-1 country, and "any"
    chosen = [o for o in options if "selected" in o.attrs]
    assert [(o.attrs["value"], o.clean_text) for o in chosen] == [("ML", "Mali")]


# -------------------------------------------------------------------------------------------
# Readers: the article page


def test_the_article_page_names_its_countries_and_cited_outlets(client, seeds_dir):
    import_paths([seeds_dir], publish=True)
    page = parse(client.get(Article.objects.get(headline=SEED_2).get_absolute_url()))
    countries = page.find("ul", cls="countries").find_all("a")
    assert [(a.clean_text, a.attrs["href"]) for a in countries] == [
        ("Russia", "/articles/?country=RU"), ("Mali", "/articles/?country=ML"),
        ("Burkina Faso", "/articles/?country=BF"), ("Niger", "/articles/?country=NE")]
    cited = page.find("p", cls="story__cited")
    # We have no source of that name: named, not linked.
    assert cited.clean_text == "As reported by Burkina 24."
    assert cited.find_all("a") == []


def test_a_cited_outlet_links_to_its_source_page_once_that_page_is_public(client, seeds_dir):
    import_paths([seeds_dir], publish=True)
    url = Article.objects.get(headline=SEED_2).get_absolute_url()
    source = make_source("Burkina 24", "burkina-24")
    # Its page answers 404 while it has no published article: no link to it yet.
    assert parse(client.get(url)).find("p", cls="story__cited").find_all("a") == []
    make_article("A Burkina 24 story", source=source)
    links = parse(client.get(url)).find("p", cls="story__cited").find_all("a")
    assert [(a.clean_text, a.attrs["href"]) for a in links] == [
        ("Burkina 24", "/sources/burkina-24/")]
    assert client.get("/sources/burkina-24/").status_code == 200


def test_several_cited_outlets_read_as_a_sentence(client):
    article = make_article("Talks", body=("The talks ended, according to Reuters. “We agree,” "
                                          "the minister told AFP.\n\nThe BBC reported more."))
    make_article("An AFP story", source=make_source("AFP", "afp"))
    cited = parse(client.get(article.get_absolute_url())).find("p", cls="story__cited")
    assert cited.clean_text == "As reported by Reuters, AFP and BBC."
    assert [a.attrs["href"] for a in cited.find_all("a")] == ["/sources/afp/"]


def test_a_french_article_names_its_countries_in_french(client):
    article = make_article("Les ministres de l'AES à Moscou", language="fr",
                           body="Le Mali, le Niger et la Côte d'Ivoire, selon l'AFP.\n\nSuite.")
    page = parse(client.get(article.get_absolute_url()))
    names = [a.clean_text for a in page.find("ul", cls="countries").find_all("a")]
    assert names == ["Russie", "Mali", "Niger", "Côte d'Ivoire"]
    # The site's own words stay English, and say so.
    assert page.find("h2", cls="story__facet-title").attrs["lang"] == "en"
    assert page.find("p", cls="story__cited").attrs["lang"] == "en"


def test_an_article_about_no_country_shows_no_countries(client):
    page = parse(client.get(make_article("Markets rally", tags=["Economy"]).get_absolute_url()))
    assert page.find_all("ul", cls="countries") == []
    assert page.find_all("p", cls="story__cited") == []
    assert [a.clean_text for a in page.find("ul", cls="tags").find_all("a")] == ["Economy"]
