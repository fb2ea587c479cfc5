"""Stories (articles.stories): articles reporting one event grouped across sources and
languages, by the import, an editor's change and `manage.py cluster_stories`; the article page's
"Also covered by", the story page, and the editors' decisions that regrouping keeps."""

import io
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from articles import stories
from articles.coverage.measure import KINDS, pairwise
from articles.ingest.importer import import_paths
from articles.models import Article, Story, StoryEvidence
from articles.workflow import publish
from tests.admin_helpers import SEED_1, SEED_2
from tests.cache_helpers import queries_for
from tests.factories import make_article, make_source
from tests.import_helpers import manifest, write
from tests.page_parsers import parse

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).parent / "fixtures" / "stories"
MONDAY = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)

STRIKE_EN = ("Dockworkers strike shuts Abidjan port",
             "Dockworkers at the port of Abidjan walked off the job on Monday, halting the "
             "loading of 1,200 containers, the Ivorian port authority said.\n\n"
             "The union led by Kouassi Yao demands a 12.5% pay rise after fuel prices rose.\n\n"
             "Ships queued off Vridi as the strike entered its second day.")
STRIKE_FR = ("Grève des dockers : le port d'Abidjan à l'arrêt",
             "Les dockers du port d'Abidjan ont cessé le travail lundi, bloquant 1 200 "
             "conteneurs, selon l'autorité portuaire ivoirienne.\n\n"
             "Le syndicat de Kouassi Yao réclame une hausse de 12,5 % des salaires.\n\n"
             "Des navires attendaient au large de Vridi.")
FESTIVAL = ("A storytelling festival opens in Grand-Bassam",
            "Griots from five countries gathered for the festival's opening night.\n\n"
            "The organisers expect twelve thousand visitors over the week.")


def story_article(text, *, source, language="en", hours=0, **fields):
    headline, body = text
    return make_article(headline, body=body, source=source, language=language,
                        published_at=MONDAY + timedelta(hours=hours), **fields)


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """`with commit(): ...` runs what waits for the commit of its writes (the grouping of the
    articles saved), as the commit would: the test's transaction never commits."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def strike(commit):
    """One event from two outlets in two languages, and an unrelated article."""
    wire, outlet = make_source("Pan-African Wire"), make_source("Le Continent")
    with commit():
        english = story_article(STRIKE_EN, source=wire)
        french = story_article(STRIKE_FR, source=outlet, language="fr", hours=5)
        festival = story_article(FESTIVAL, source=wire, hours=2)
    return {name: Article.objects.get(pk=a.pk) for name, a in
            (("english", english), ("french", french), ("festival", festival))}


def fresh(article):
    return Article.objects.get(pk=article.pk)


# -------------------------------------------------------------------------------------------
# Grouping: measured on the labelled fixture


def labelled():
    events = tomllib.loads((FIXTURE / "labels.toml").read_text(encoding="utf-8"))["event"]
    return {name: event["key"] for event in events for name in event["files"]}


def fixture_figures():
    """The stories' pairwise precision and recall against the fixture's labels."""
    labels = labelled()
    groups = {Path(a.source_file).name: (a.story_id, a.language) for a in Article.objects.all()}
    assert set(groups) == set(labels)
    return pairwise(groups, labels)


def assert_fixture_grouped():
    figures = fixture_figures()
    assert set(figures) == set(KINDS)
    for kind, (precision, recall, _, _) in figures.items():
        assert precision >= 0.9, f"{kind}: precision {precision:.2f}"
        assert recall >= 0.8, f"{kind}: recall {recall:.2f}"


def test_the_import_groups_the_fixture_events_in_and_across_languages():
    import_paths([FIXTURE])
    assert_fixture_grouped()


def test_cluster_stories_groups_the_archive_again_as_well():
    import_paths([FIXTURE])
    Article.objects.update(story=None)
    out = io.StringIO()
    call_command("cluster_stories", stdout=out)
    assert "Grouped 34 articles" in out.getvalue()
    assert_fixture_grouped()


def test_the_two_sample_files_are_one_story(seeded):
    first, second = (fresh(article) for article in seeded)
    assert first.story_id and first.story_id == second.story_id


def test_an_article_imported_later_joins_the_story_of_its_event(tmp_path, strike):
    write(tmp_path, "late.txt", "Côte d'Ivoire\n"
          "The strike at the port of Abidjan ended on Wednesday after the union of Kouassi Yao "
          "won a 12.5% rise, releasing 1,200 containers held at Vridi.\n"
          "Dockworkers returned to work.\n")
    manifest(tmp_path, [{"file": "late.txt", "source": "cape", "headline": "Abidjan strike ends",
                         "published": (MONDAY + timedelta(hours=30)).isoformat()}],
             sources=[("cape", "Cape Meridian")])
    assert import_paths([tmp_path]).ok
    late = Article.objects.get(source__name="Cape Meridian")
    english, french = fresh(strike["english"]), fresh(strike["french"])
    assert english.story_id == french.story_id == late.story_id is not None
    assert fresh(strike["festival"]).story_id is None


def test_an_article_published_weeks_later_is_another_story(strike, editor, commit):
    french = fresh(strike["french"])
    Article.objects.filter(pk=french.pk).update(status=Article.Status.DRAFT, published_at=None)
    with commit():
        # The desk's publish is an update: it sends no save signal.
        publish(Article.objects.filter(pk=french.pk), editor)
    assert fresh(french).published_at > MONDAY + timedelta(days=30)
    assert fresh(french).story_id is None
    assert fresh(strike["english"]).story_id is None


def test_articles_of_other_events_stay_alone(strike):
    assert fresh(strike["festival"]).story_id is None
    assert Story.objects.count() == 1


def test_an_edit_that_makes_it_another_event_takes_it_out_of_the_story(strike, commit):
    french = strike["french"]
    french.headline = "Marathon de Francfort : victoire de Langat"
    french.body = "Le Kényan Langat a remporté dimanche le marathon de Francfort en 2 h 05."
    with commit():
        french.save()
    assert fresh(french).story_id is None
    # Alone in it, the other article leaves the story too: a story has two articles or more.
    assert fresh(strike["english"]).story_id is None
    assert not Story.objects.exists()


def test_a_save_of_other_fields_leaves_the_story_as_it_was(strike, commit):
    # A mark in its evidence that reading the text again would wipe out.
    evidence = StoryEvidence.objects.filter(article=strike["english"])
    marked = {**evidence.get().evidence, "marked": True}
    evidence.update(evidence=marked)
    with commit():
        strike["english"].save(update_fields=["status"])
    assert evidence.get().evidence == marked  # not read again
    assert fresh(strike["english"]).story_id == fresh(strike["french"]).story_id
    with commit():
        strike["english"].save()  # the text written: read again
    assert "marked" not in evidence.get().evidence
    assert fresh(strike["english"]).story_id == fresh(strike["french"]).story_id


def test_deleting_an_article_dissolves_a_story_it_leaves_alone(strike, commit):
    with commit():
        fresh(strike["french"]).delete()
    assert fresh(strike["english"]).story_id is None
    assert not Story.objects.exists()


def test_a_merge_takes_two_articles(strike):
    with pytest.raises(ValueError, match="two articles or more"):
        stories.merge([strike["festival"]])
    assert not Story.objects.filter(articles=strike["festival"]).exists()


@pytest.mark.django_db(transaction=True)  # the worker closes its connections
def test_an_archive_is_grouped_by_the_job_worker(strike):
    StoryEvidence.objects.all().delete()
    Article.objects.update(story=None)
    assert stories.group_waiting(inline=2).grouped == 0  # three wait: more than inline
    assert fresh(strike["english"]).story_id is None
    assert DBTaskResult.objects.filter(task_path=stories.GROUP_TASK).count() == 1
    stories.schedule()  # queued once, however often asked
    assert DBTaskResult.objects.filter(task_path=stories.GROUP_TASK).count() == 1

    call_command("run_jobs", "--once", stdout=io.StringIO(), stderr=io.StringIO())

    assert fresh(strike["english"]).story_id == fresh(strike["french"]).story_id is not None
    assert StoryEvidence.objects.count() == 3


# -------------------------------------------------------------------------------------------
# The editors' decisions


def test_a_detached_article_stays_alone_when_the_archive_is_regrouped(strike):
    stories.detach([strike["french"]])
    assert fresh(strike["french"]).story_id is None
    assert fresh(strike["french"]).story_pinned
    call_command("cluster_stories", stdout=io.StringIO())
    assert fresh(strike["french"]).story_id is None
    assert fresh(strike["english"]).story_id is None


def test_merged_articles_stay_together_when_the_archive_is_regrouped(strike, commit):
    story = stories.merge([strike["english"], strike["festival"]])
    members = set(story.articles.values_list("pk", flat=True))
    assert members == {a.pk for a in strike.values()}  # the whole story came along
    call_command("cluster_stories", stdout=io.StringIO())
    assert {fresh(a).story_id for a in strike.values()} == {story.pk}
    # An edit of a merged article keeps it where the editor put it.
    festival = fresh(strike["festival"])
    festival.body += "\n\nA late addition."
    with commit():
        festival.save()
    assert fresh(festival).story_id == story.pk


# -------------------------------------------------------------------------------------------
# The reader pages


def reader_page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return parse(response)


def coverage_section(client, url):
    """The page's "Also covered by" section, or None."""
    sections = reader_page(client, url).find_all("section", cls="coverage")
    return sections[0] if sections else None


def test_the_article_page_lists_the_same_story_from_other_outlets(client, strike):
    section = coverage_section(client, strike["english"].get_absolute_url())
    assert section.find("h2").clean_text == "Also covered by"
    item = section.find("li")
    link = item.find("a")
    assert link.attrs["href"] == strike["french"].get_absolute_url()
    assert link.clean_text == "Le Continent"
    assert item.find("time").attrs["datetime"] == (MONDAY + timedelta(hours=5)).isoformat()
    assert item.find("span", lang="fr").clean_text == STRIKE_FR[0]
    story_link = section.find("p", cls="coverage__all").find("a")
    assert story_link.attrs["href"] == f"/stories/{fresh(strike['english']).story_id}/"


def test_no_section_without_another_public_article(client, strike):
    Article.objects.filter(pk=strike["french"].pk).update(status=Article.Status.DRAFT)
    assert coverage_section(client, strike["english"].get_absolute_url()) is None
    assert coverage_section(client, strike["festival"].get_absolute_url()) is None


def test_the_section_costs_one_query_and_only_in_a_story(client, strike):
    _, alone = queries_for(client, strike["festival"].get_absolute_url())
    _, in_story = queries_for(client, strike["english"].get_absolute_url())
    assert in_story == alone + 1


def test_the_story_page_lists_its_coverage_newest_first_by_source_and_language(client, strike):
    story = fresh(strike["english"]).story
    html = reader_page(client, f"/stories/{story.pk}/")
    assert html.find("h1").clean_text == STRIKE_EN[0]  # its first report
    items = html.find_all("li", cls="coverage-list__item")
    assert [item.find("h2").clean_text for item in items] == [STRIKE_FR[0], STRIKE_EN[0]]
    assert items[0].attrs["lang"] == "fr"
    meta = items[0].find("p", cls="meta").clean_text
    assert "Le Continent" in meta and "French" in meta
    assert "2 articles from 2 sources" in html.find("p", cls="page-header__meta").clean_text


def test_a_story_without_a_public_article_is_not_found(client, strike):
    story = fresh(strike["english"]).story
    Article.objects.filter(story=story).update(status=Article.Status.DRAFT)
    reader_page(client, f"/stories/{story.pk}/", status=404)
    reader_page(client, "/stories/999999/", status=404)


@pytest.fixture(params=["page", "fragments"])
def cached(request, settings, page_cache):
    """The page cache on, or only the fragments beneath pages (staff, or the page cache
    off)."""
    settings.FRAGMENT_CACHE_SECONDS = 300
    if request.param == "fragments":
        settings.PAGE_CACHE_SECONDS = 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("cached")
def test_a_cached_article_page_shows_an_article_that_joins_its_story(client):
    wire, outlet = make_source("Pan-African Wire"), make_source("Le Continent")
    english = story_article(STRIKE_EN, source=wire)
    url = english.get_absolute_url()
    assert coverage_section(client, url) is None
    story_article(STRIKE_FR, source=outlet, language="fr", hours=5)
    assert coverage_section(client, url) is not None


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("cached")
def test_a_cached_article_page_shows_a_story_mate_once_it_is_published(client):
    wire, outlet = make_source("Pan-African Wire"), make_source("Le Continent")
    english = story_article(STRIKE_EN, source=wire)
    french = story_article(STRIKE_FR, source=outlet, language="fr", hours=5,
                           status=Article.Status.DRAFT)
    url = english.get_absolute_url()
    assert coverage_section(client, url) is None
    french.status = Article.Status.PUBLISHED
    french.save()
    assert coverage_section(client, url) is not None


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("cached")
def test_a_cached_story_page_is_gone_once_its_story_is(client):
    wire, outlet = make_source("Pan-African Wire"), make_source("Le Continent")
    story_article(STRIKE_EN, source=wire)
    french = story_article(STRIKE_FR, source=outlet, language="fr", hours=5)
    url = f"/stories/{fresh(french).story_id}/"
    reader_page(client, url)
    french.delete()
    reader_page(client, url, status=404)


def test_sample_pages_name_each_other(client, seeded):
    first, second = seeded
    section = coverage_section(client, first.get_absolute_url())
    assert section.find("a").attrs["href"] == second.get_absolute_url()
    assert SEED_2 in section.clean_text
    assert SEED_1 not in section.clean_text
