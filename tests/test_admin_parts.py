"""The desk's pages for the parts of articles (articles.admin.parts): sources, related links,
corrections and tags."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.ingest.importer import import_paths
from articles.ingest.parse import normalise
from articles.models import Article, Correction, RelatedLink, Source
from tests.admin_helpers import (
    ARTICLES,
    LINKS,
    ROLES,
    action,
    article_form,
    form_data,
    form_errors,
    messages_of,
    split,
)
from tests.factories import make_article

pytestmark = pytest.mark.django_db


# -------------------------------------------------------------------------------------------
# Sources


@pytest.mark.parametrize("role", ROLES)
def test_source_changelist_shows_counts_and_public_page(client, desk, user_for, role):
    client.force_login(user_for(role))
    response = client.get("/admin/articles/source/")
    assert response.status_code == 200
    html = response.content.decode()
    africanews = Source.objects.get(name="Africanews")
    assert f'?source__id__exact={africanews.pk}">1</a>' in html
    assert f'<a href="/sources/{africanews.slug}/">/sources/{africanews.slug}/</a>' in html
    assert client.get(f"/sources/{africanews.slug}/").status_code == 200


# -------------------------------------------------------------------------------------------
# Related links


WAGNER = "Wagner Group faces war crime accusations over posting atrocities on social media"


def wagner_link(first):
    return first.related_links.get(title=WAGNER)


@pytest.mark.parametrize("role", ROLES)
def test_related_link_changelist_filtered_to_unresolved(client, desk, user_for, role):
    client.force_login(user_for(role))
    response = client.get(f"{LINKS}?target__isempty=1")
    assert response.status_code == 200
    shown = {link.pk for link in response.context["cl"].result_list}
    assert shown == set(desk["first"].related_links.values_list("pk", flat=True))
    assert len(shown) == 6
    resolved = client.get(f"{LINKS}?target__isempty=0")
    assert {link.pk for link in resolved.context["cl"].result_list} == set(
        desk["second"].related_links.values_list("pk", flat=True))


def test_unresolved_filter_lists_only_unresolved(as_editor, seeded):
    first, second = seeded
    done = first.related_links.order_by("position").first()
    RelatedLink.objects.filter(pk=done.pk).update(target=second)
    response = as_editor.get(f"{LINKS}?target__isempty=1")
    shown = {link.pk for link in response.context["cl"].result_list}
    assert shown == set(RelatedLink.objects.filter(target=None).values_list("pk", flat=True))
    assert done.pk not in shown
    assert len(shown) == 11


def test_retry_resolution_finds_a_new_article(as_editor, seeded):
    link = wagner_link(seeded[0])
    assert link.target is None
    target = make_article(WAGNER, headline_key=normalise(WAGNER))
    other = seeded[0].related_links.exclude(pk=link.pk).first()
    response = action(as_editor, LINKS, "retry_resolution", [link, other])
    assert response.status_code == 302
    link.refresh_from_db()
    other.refresh_from_db()
    assert link.target == target
    assert other.target is None
    followed = as_editor.get(LINKS)
    assert "1 link(s) resolved; 1 still unresolved." in messages_of(followed)


def test_retry_resolution_finds_an_imported_article(as_editor, seeded, tmp_path):
    body = (seeded[0].body.split("\n\n")[0] + "\n").encode()
    (tmp_path / "wagner.txt").write_bytes(b"Wagner\n" + body + b"Another paragraph here.\n")
    (tmp_path / "manifest.toml").write_text(
        f'[[article]]\nfile = "wagner.txt"\nsource = "Desk"\nheadline = "{WAGNER}"\n'
        '[[source]]\nkey = "Desk"\nname = "Desk"\n', encoding="utf-8")
    report = import_paths([tmp_path], publish=True)
    assert report.counts()["created"] == 1, report.summary()
    target = Article.objects.get(headline=WAGNER)
    link = wagner_link(seeded[0])
    # The import resolves what it can by itself; undo that to exercise the action.
    RelatedLink.objects.filter(pk=link.pk).update(target=None)
    action(as_editor, LINKS, "retry_resolution", [link])
    link.refresh_from_db()
    assert link.target == target


def test_an_article_written_in_the_admin_can_be_a_link_target(as_editor, seeded):
    """Beyond the importer: an editor writes the story a sidebar item names, then retries."""
    url, data = article_form(as_editor)
    response = as_editor.post(url, {**data, "headline": WAGNER, "slug": "wagner",
                                    "body": "The accusations.", "source": seeded[0].source_id,
                                    "status": "draft"})
    assert response.status_code == 302, form_errors(response)
    link = wagner_link(seeded[0])
    action(as_editor, LINKS, "retry_resolution", [link])
    link.refresh_from_db()
    assert link.target == Article.objects.get(slug="wagner")


def test_editor_sets_a_target_by_hand(as_editor, seeded):
    first, second = seeded
    link = first.related_links.order_by("position").last()
    url = reverse("admin:articles_relatedlink_change", args=[link.pk])
    data = form_data(as_editor, url, "relatedlink_form")
    assert data["target"] == ""
    response = as_editor.post(url, {**data, "target": second.pk})
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.target == second
    assert link.article == first


def test_target_autocomplete_finds_articles(as_editor, seeded):
    target = make_article(WAGNER)
    response = as_editor.get("/admin/autocomplete/", {
        "app_label": "articles", "model_name": "relatedlink", "field_name": "target",
        "term": "Wagner"})
    assert response.status_code == 200
    found = {item["id"]: item["text"] for item in json.loads(response.content)["results"]}
    # The headline only, not the first seed, whose body mentions the Wagner Group.
    assert found == {str(target.pk): WAGNER}


def test_editor_swaps_two_sidebar_items(as_editor, seeded):
    article = seeded[0]
    url, data = article_form(as_editor, article)
    first, second = [k for k in data
                     if k.startswith("related_links-") and k.endswith("-position")][:2]
    data[first], data[second] = data[second], data[first]

    response = as_editor.post(url, data)

    assert response.status_code == 302, form_errors(response)
    titles = [link.title for link in article.related_links.order_by("position", "pk")]
    assert titles[0].startswith("Sahel region hardest-hit")
    assert titles[1].startswith("Alliance of Sahel States")


# -------------------------------------------------------------------------------------------
# Corrections


@pytest.mark.parametrize("role", ROLES)
def test_correction_changelist_renders(client, desk, user_for, role):
    Correction.objects.create(article=desk["first"], note="The talks are on April 3-4.")
    client.force_login(user_for(role))
    response = client.get("/admin/articles/correction/")
    assert response.status_code == 200
    assert [c.article for c in response.context["cl"].result_list] == [desk["first"]]


def correction_rows(data, rows):
    """Add new rows to the corrections inline of an article form's data."""
    start = int(data["corrections-TOTAL_FORMS"])
    for offset, (kind, noted_at, note) in enumerate(rows):
        prefix = f"corrections-{start + offset}"
        day, time = split(noted_at)
        data |= {f"{prefix}-kind": kind, f"{prefix}-noted_at_0": day,
                 f"{prefix}-noted_at_1": time, f"{prefix}-note": note, f"{prefix}-id": ""}
    data["corrections-TOTAL_FORMS"] = str(start + len(rows))
    return data


def test_editor_adds_corrections_through_the_inline(as_editor, client, seeded):
    article = seeded[0]
    earlier = timezone.now() - timedelta(days=1)
    Article.objects.filter(pk=article.pk).update(updated_at=earlier)
    url, data = article_form(as_editor, article)
    assert data["corrections-TOTAL_FORMS"] == "0"
    older = timezone.now().replace(microsecond=0) - timedelta(hours=5)
    newer = older + timedelta(hours=2)
    correction_rows(data, [("correction", older, "OLDER NOTE: the talks were on April 3."),
                           ("update", newer, "NEWER NOTE: the ministers arrived.")])
    response = as_editor.post(url, data)
    assert response.status_code == 302, form_errors(response)
    article.refresh_from_db()
    assert article.updated_at > earlier
    assert [c.note[:5] for c in article.corrections.all()] == ["NEWER", "OLDER"]

    client.logout()
    html = client.get(article.get_absolute_url()).content.decode()
    body_end = html.index("By strengthening ties with Russia")
    section = html.index('id="corrections-title"')
    assert body_end < section < html.index("NEWER NOTE") < html.index("OLDER NOTE")


def test_a_correction_added_on_its_own_bumps_the_article(as_editor, seeded):
    article = seeded[0]
    earlier = timezone.now() - timedelta(days=1)
    Article.objects.filter(pk=article.pk).update(updated_at=earlier)
    url = reverse("admin:articles_correction_add")
    data = form_data(as_editor, url, "correction_form")
    day, time = split(timezone.now())
    response = as_editor.post(url, {**data, "article": article.pk, "kind": "update",
                                    "noted_at_0": day, "noted_at_1": time, "note": "Updated."})
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.corrections.count() == 1
    assert article.updated_at > earlier


# -------------------------------------------------------------------------------------------
# Tags


TAGS = "/admin/taggit/tag/"


@pytest.mark.parametrize("role", ROLES)
def test_tag_changelist_counts_each_tags_articles_and_links_to_them(client, user_for, role):
    both = make_article("Tagged twice", tags=["Sahel", "Niger"])
    once = make_article("Tagged once", tags=["Sahel"])
    make_article("A draft", status=Article.Status.DRAFT, tags=["Mali"])
    client.force_login(user_for(role))

    response = client.get(TAGS)

    assert response.status_code == 200
    rows = [(tag.name, tag.article_count) for tag in response.context["cl"].result_list]
    assert rows == [("Mali", 1), ("Niger", 1), ("Sahel", 2)]
    html = response.content.decode()
    assert f'<a href="{ARTICLES}?tag=sahel">2</a>' in html
    listed = client.get(f"{ARTICLES}?tag=sahel").context["cl"].result_list
    assert {article.pk for article in listed} == {both.pk, once.pk}
