"""The article pages of the editors' desk, for each role: the changelist, its filters and
columns, the add and change forms, and the changelist's queries.

Roles: a superuser; an editor (staff, group "Editor": publishes, imports, deletes); a reporter
(staff, group "Reporter": writes drafts and submits them for review, never publishes). The groups
come from migration 0003, so the test database already has them. Who may publish, by every
route, is tests/test_workflow.py.
"""

from datetime import timedelta

import pytest
from django.urls import reverse

from articles.admin import list_filters
from articles.ingest.importer import import_paths
from articles.models import Article, RelatedLink
from articles.pagination import CappedPaginator
from tests.admin_helpers import (
    ARTICLES,
    IMPORT,
    LINKS,
    ROLES,
    SEED_1,
    article_form,
    change_url,
    form_errors,
)
from tests.factories import make_article, make_link, make_source

pytestmark = pytest.mark.django_db


def listed(response):
    assert response.status_code == 200, response
    return {article.headline for article in response.context["cl"].result_list}


# -------------------------------------------------------------------------------------------
# Pages render, for every role


FILTERS = [
    ("", {"first", "second", "draft"}),
    ("status__exact=draft", {"draft"}),
    ("status__exact=published", {"first", "second"}),
    ("source__id__exact={first.source_id}", {"first"}),
    ("language=fr", {"draft"}),
    ("language=en", {"first", "second"}),
    ("tag=russia", {"first"}),
    ("tag=sahel", {"draft"}),
    ("unresolved=yes", {"first"}),
    ("unresolved=no", {"second", "draft"}),
    ("headline_proposed__exact=1", {"draft"}),
    ("headline_proposed__exact=0", {"first", "second"}),
    ("published_at__year=2025", {"first", "second"}),
    ("published_at__year=2025&published_at__month=4&published_at__day=3", {"second"}),
    ("q=Dovgalenko", {"second"}),
    ("q=Brouillon", {"draft"}),
    ("status__exact=published&tag=russia&unresolved=yes", {"first"}),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("query", "expected"), FILTERS)
def test_article_changelist_filters(client, desk, user_for, role, query, expected):
    client.force_login(user_for(role))
    response = client.get(f"{ARTICLES}?{query.format(**desk)}")
    assert listed(response) == {desk[key].headline for key in expected}


@pytest.mark.parametrize("role", ROLES)
def test_article_changelist_shows_columns_and_filter_choices(client, desk, user_for, role):
    client.force_login(user_for(role))
    response = client.get(ARTICLES)
    html = response.content.decode()
    # The unresolved column links to the first seed's six unresolved items.
    first = desk["first"]
    assert f"?article__id__exact={first.pk}&amp;target__isempty=1\">6</a>" in html
    # The tag filter offers the tags in use.
    changelist = response.context["cl"]
    tag_filter = next(spec for spec in changelist.filter_specs if spec.title == "tag")
    tag_choices = {choice["display"] for choice in tag_filter.choices(changelist)}
    assert {"Russia", "Sahel"} <= tag_choices
    # Only those who may import see the button.
    assert (IMPORT in html) is (role != "reporter")


@pytest.mark.parametrize("role", ROLES)
def test_article_add_and_change_pages_render(client, desk, user_for, role):
    client.force_login(user_for(role))
    add = client.get(reverse("admin:articles_article_add"))
    assert add.status_code == 200
    status_choices = {value for value, _ in add.context["adminform"].form.fields["status"].choices}
    if role == "reporter":
        assert status_choices == {"draft", "review"}
        assert "published_at" not in add.context["adminform"].form.fields
    else:
        assert {"draft", "review", "published", "unpublished"} <= status_choices
        assert "published_at" in add.context["adminform"].form.fields
    for article in desk.values():
        change = client.get(change_url(article))
        assert change.status_code == 200
        assert change.context["original"] == article
        prefixes = {formset.formset.prefix for formset in change.context["inline_admin_formsets"]}
        assert prefixes == {"related_links", "corrections"}


@pytest.mark.parametrize("url", [ARTICLES, IMPORT, "/admin/articles/article/add/",
                                 "/admin/articles/source/", LINKS, "/admin/articles/correction/"])
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_desk_search_finds_every_word_as_a_prefix_in_any_order(client, editor):
    make_article("Ministers meet in Moscow", kicker="Diplomacy",
                 body="Talks on grain shipments.")
    make_article("Harvest report", body="Grain from Russia.")
    client.force_login(editor)
    assert listed(client.get(f"{ARTICLES}?q=moscow+minister")) == {"Ministers meet in Moscow"}
    assert listed(client.get(f"{ARTICLES}?q=diplomacy+grain")) == {"Ministers meet in Moscow"}
    assert listed(client.get(f"{ARTICLES}?q=russian")) == set()
    assert listed(client.get(f"{ARTICLES}?q=russ")) == {"Harvest report"}


def test_the_tag_filter_offers_the_tags_the_latest_articles_use_most(client, editor,
                                                                      monkeypatch):
    make_article("An old story", tags=["Archive", "Sahel"])
    make_article("Older news", tags=["Archive"])
    make_article("The latest", tags=["Sahel", "Niger"])
    make_article("Just in", tags=["Sahel"])
    monkeypatch.setattr(list_filters, "RECENT_ARTICLES", 2)
    client.force_login(editor)
    response = client.get(ARTICLES)
    changelist = response.context["cl"]
    tag_filter = next(spec for spec in changelist.filter_specs if spec.title == "tag")
    # The newest two articles' tags, the most used first; "Archive" is the old articles'.
    assert [choice["display"] for choice in tag_filter.choices(changelist)][1:] == [
        "Sahel", "Niger"]
    # Any tag still works from the URL.
    assert listed(client.get(f"{ARTICLES}?tag=archive")) == {"An old story", "Older news"}


def test_past_its_bound_the_list_says_more_than_and_stops_counting(client, editor,
                                                                    monkeypatch):
    for number in range(3):
        make_article(f"Story {number}")
    monkeypatch.setattr(CappedPaginator, "count_bound", 2)
    client.force_login(editor)
    html = client.get(ARTICLES).content.decode()
    assert "More than 2 articles" in html
    monkeypatch.setattr(CappedPaginator, "count_bound", 3)
    html = client.get(ARTICLES).content.decode()
    assert "More than" not in html and "3 articles" in html


# -------------------------------------------------------------------------------------------
# The changelist's queries do not grow with the articles


# Measured on SQLite: session, user, source and tag filter choices, one bounded count (no
# total), the rows, their sources, their tags, the language and country filters' choices (no
# date hierarchy: its dates cost a pass over the archive).
CHANGELIST_QUERIES = 10


def many_articles(count):
    """`count` articles, months apart, each with two tags and three links, two unresolved."""
    source = make_source()
    articles = []
    for number in range(count):
        article = make_article(f"Story {number}", source=source, tags=["Sahel", f"t{number % 4}"],
                               age=timedelta(days=number * 40))
        articles.append(article)
        make_link(article, target=articles[0])
        make_link(article, RelatedLink.Kind.VIDEO)
        make_link(article)
    return articles


@pytest.mark.parametrize("count", [1, 50])
def test_article_changelist_queries_do_not_grow(client, superuser, django_assert_num_queries,
                                                count):
    many_articles(count)
    client.force_login(superuser)
    with django_assert_num_queries(CHANGELIST_QUERIES):
        response = client.get(ARTICLES)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == count


# -------------------------------------------------------------------------------------------
# The change form keeps what a browser sends


def test_a_body_saved_from_a_browser_keeps_its_paragraphs_and_its_reimport(as_editor, seeds_dir,
                                                                           tmp_path):
    import_paths([seeds_dir], publish=True)
    article = Article.objects.get(headline=SEED_1)
    url, data = article_form(as_editor, article)
    # What a browser sends for a textarea: CRLF line breaks.
    data["body"] = data["body"].replace("\n", "\r\n")

    response = as_editor.post(url, data)

    assert response.status_code == 302, form_errors(response)
    article.refresh_from_db()
    assert "\r" not in article.body
    assert len(article.paragraphs) == 9
    # Saving without a change is not an editor's change: a re-import still sees its own work.
    assert import_paths([seeds_dir]).counts()["unchanged"] == 2
