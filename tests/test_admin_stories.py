"""Stories on the desk: an article's story on its edit page, and the editors' merge and detach
actions (editors only; regrouping keeps what they decided: see tests/test_stories.py)."""

import pytest

from articles.models import Article, Story
from tests.admin_helpers import ARTICLES, SEED_2, action, change_url, logged_in
from tests.factories import make_article, make_source
from tests.page_parsers import parse

pytestmark = pytest.mark.django_db


def fresh(article):
    return Article.objects.get(pk=article.pk)


@pytest.fixture
def other_event():
    """An article of another event, in no story."""
    return make_article("A storytelling festival opens in Grand-Bassam",
                        body="Griots from five countries gathered for the opening night.",
                        source=make_source("Le Continent"))


def story_field(client, article):
    response = client.get(change_url(article))
    assert response.status_code == 200
    return parse(response).find("div", cls="field-story_coverage").clean_text


@pytest.mark.parametrize("role", ["editor", "reporter"])
def test_the_edit_page_lists_the_other_articles_of_its_story(role, user_for, seeded):
    first, _ = seeded
    shown = story_field(logged_in(user_for(role)), first)
    assert f"Story {fresh(first).story_id}" in shown
    assert SEED_2 in shown and "Sahel Partner Desk" in shown and "Published" in shown
    assert "Story page" in shown  # its public page, as readers see it


def test_the_list_shows_each_article_story_and_lists_a_story_by_it(editor, seeded,
                                                                   other_event):
    first, second = seeded
    client = logged_in(editor)
    story = fresh(first).story_id
    link = parse(client.get(ARTICLES)).find("a", title=f"The articles of story {story}")
    assert link.attrs["href"] == f"?story__exact={story}"
    response = client.get(ARTICLES + link.attrs["href"])
    assert response.status_code == 200
    assert {a.pk for a in response.context["cl"].result_list} == {first.pk, second.pk}


def test_the_edit_page_says_when_no_other_article_reports_it(editor, other_event):
    assert "No other article reports this event yet." in story_field(logged_in(editor),
                                                                      other_event)


def test_an_editor_merges_the_stories_of_selected_articles(editor, seeded, other_event):
    first, second = seeded
    response = action(logged_in(editor), ARTICLES, "merge_stories", [first, other_event])
    assert response.status_code == 302
    story = fresh(first).story
    assert {a.pk for a in story.articles.all()} == {first.pk, second.pk, other_event.pk}
    assert all(a.story_pinned for a in story.articles.all())
    assert Story.objects.count() == 1


def test_merging_needs_two_articles(editor, seeded):
    first, _ = seeded
    before = fresh(first).story_id
    response = action(logged_in(editor), ARTICLES, "merge_stories", [first])
    assert response.status_code == 302
    assert fresh(first).story_id == before and not fresh(first).story_pinned


def test_an_editor_detaches_an_article_from_its_story(editor, seeded):
    first, second = seeded
    response = action(logged_in(editor), ARTICLES, "detach_from_stories", [first])
    assert response.status_code == 302
    assert fresh(first).story_id is None and fresh(first).story_pinned
    # Alone in it, the other article is free again, and the story is gone.
    assert fresh(second).story_id is None and not fresh(second).story_pinned
    assert not Story.objects.exists()
    assert "Kept on its own by an editor" in story_field(logged_in(editor), first)


@pytest.mark.parametrize("name", ["merge_stories", "detach_from_stories"])
def test_a_reporter_can_neither_merge_nor_detach(name, reporter, seeded, other_event):
    first, second = seeded
    client = logged_in(reporter)
    offered = parse(client.get(ARTICLES)).find("select", name="action").text
    assert "stor" not in offered.lower()
    before = sorted(Article.objects.values_list("pk", "story", "story_pinned"))
    action(client, ARTICLES, name, [first, second, other_event])
    assert sorted(Article.objects.values_list("pk", "story", "story_pinned")) == before
