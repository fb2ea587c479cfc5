"""The workflow's rules (articles.workflow), by every route the desk offers: who may publish,
unpublish, schedule and delete; scheduling at the boundary of now; staff previews; bulk actions;
and the rules themselves, called as those routes call them.

Roles as in tests/test_admin_article.py.
"""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, RelatedLink
from articles.workflow import (
    can_edit_content,
    editable_rows,
    publish,
    submit_for_review,
    unpublish,
)
from tests.admin_helpers import (
    ARTICLES,
    SEED_1,
    action,
    article_form,
    form_errors,
    make_user,
    messages_of,
    seed_files,
    split,
    summary,
    upload,
)
from tests.factories import make_article, make_link, make_source

pytestmark = pytest.mark.django_db


# -------------------------------------------------------------------------------------------
# Who may publish, by every route


def test_reporter_cannot_publish_through_the_change_form(as_reporter):
    article = make_article(status=Article.Status.REVIEW)
    url, data = article_form(as_reporter, article)
    for status in ("published", "unpublished"):
        response = as_reporter.post(url, {**data, "status": status})
        assert "status" in form_errors(response)
        article.refresh_from_db()
        assert article.status == Article.Status.REVIEW
        assert article.published_at is None


def test_reporter_cannot_publish_through_a_crafted_add(as_reporter):
    source = make_source()
    url, data = article_form(as_reporter)
    when = timezone.now() - timedelta(hours=1)
    day, time = split(when)
    crafted = {**data, "headline": "Sneaky", "slug": "sneaky", "body": "A body.",
               "source": source.pk, "status": "published", "published_at_0": day,
               "published_at_1": time}
    response = as_reporter.post(url, crafted)
    assert "status" in form_errors(response)
    assert not Article.objects.filter(slug="sneaky").exists()
    # As a draft it saves, but the published time it sent is not taken.
    response = as_reporter.post(url, {**crafted, "status": "draft"})
    assert response.status_code == 302
    article = Article.objects.get(slug="sneaky")
    assert article.status == Article.Status.DRAFT
    assert article.published_at is None


def test_reporter_cannot_use_publish_actions(as_reporter):
    draft = make_article(status=Article.Status.REVIEW)
    live = make_article()
    actions = as_reporter.get(ARTICLES).context["action_form"].fields["action"].choices
    names = {name for name, _ in actions}
    assert "submit_for_review" in names
    assert not names & {"publish_selected", "unpublish_selected"}

    response = action(as_reporter, ARTICLES, "publish_selected", [draft])
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Article.Status.REVIEW
    assert draft.published_at is None

    response = action(as_reporter, ARTICLES, "unpublish_selected", [live])
    assert response.status_code == 302
    live.refresh_from_db()
    assert live.status == Article.Status.PUBLISHED
    assert live.is_public


@pytest.mark.parametrize("status", [Article.Status.REVIEW, Article.Status.PUBLISHED])
def test_reporter_cannot_change_the_published_time(as_reporter, status):
    scheduled = timezone.now().replace(microsecond=0) + timedelta(days=2)
    article = make_article(status=status, published_at=scheduled)
    url, data = article_form(as_reporter, article)
    assert "published_at_0" not in data  # read-only for reporters: not an input
    day, time = split(timezone.now() - timedelta(days=1))
    response = as_reporter.post(url, {**data, "published_at_0": day, "published_at_1": time,
                                      "kicker": "Edited"})
    # A published article is read-only for reporters altogether (tests/test_permissions.py).
    assert response.status_code == (403 if status == Article.Status.PUBLISHED else 302)
    article.refresh_from_db()
    assert article.published_at == scheduled
    assert article.status == status
    assert not article.is_public


def test_reporter_cannot_withdraw_a_published_article_through_the_form(as_reporter):
    article = make_article()
    url, data = article_form(as_reporter, article)
    assert "status" not in data  # read-only once published
    as_reporter.post(url, {**data, "status": "draft"})
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED


def test_reporter_writes_a_draft_and_submits_it_for_review(as_reporter):
    source = make_source()
    url, data = article_form(as_reporter)
    response = as_reporter.post(url, {**data, "headline": "A reporter's story",
                                      "slug": "reporters-story", "body": "First.\n\nSecond.",
                                      "source": source.pk, "status": "draft", "tags": "Sahel"})
    assert response.status_code == 302, form_errors(response)
    article = Article.objects.get(slug="reporters-story")
    assert article.status == Article.Status.DRAFT
    assert [tag.name for tag in article.tags.all()] == ["Sahel"]

    url, data = article_form(as_reporter, article)
    response = as_reporter.post(url, {**data, "status": "review"})
    assert response.status_code == 302, form_errors(response)
    article.refresh_from_db()
    assert article.status == Article.Status.REVIEW
    assert article.published_at is None


def test_reporter_submits_drafts_for_review_in_bulk(as_reporter):
    drafts = [make_article(status=Article.Status.DRAFT) for _ in range(2)]
    live = make_article()
    response = action(as_reporter, ARTICLES, "submit_for_review", [*drafts, live])
    assert response.status_code == 302
    assert set(Article.objects.filter(pk__in=[a.pk for a in drafts])
               .values_list("status", flat=True)) == {"review"}
    live.refresh_from_db()
    assert live.status == Article.Status.PUBLISHED
    assert ("1 of the selected articles are published or withdrawn content: only an editor may "
            "change them, so they were left as they are.") in messages_of(as_reporter.get(ARTICLES))


def test_reporter_cannot_delete(as_reporter):
    article = make_article(status=Article.Status.DRAFT)
    url = reverse("admin:articles_article_delete", args=[article.pk])
    assert as_reporter.get(url).status_code == 403
    assert as_reporter.post(url, {"post": "yes"}).status_code == 403
    response = action(as_reporter, ARTICLES, "delete_selected", [article])
    assert Article.objects.filter(pk=article.pk).exists(), response


def test_editor_publishes_through_the_form_now(as_editor, client):
    article = make_article(status=Article.Status.REVIEW, slug="ready")
    url, data = article_form(as_editor, article)
    assert data["published_at_0"] == data["published_at_1"] == ""
    before = timezone.now()
    response = as_editor.post(url, {**data, "status": "published"})
    assert response.status_code == 302, form_errors(response)
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert before <= article.published_at <= timezone.now()
    client.logout()
    assert client.get("/articles/ready/").status_code == 200


def test_editor_schedules_through_the_form(as_editor, client):
    article = make_article(status=Article.Status.REVIEW, slug="later")
    url, data = article_form(as_editor, article)
    when = timezone.now().replace(microsecond=0) + timedelta(hours=3)
    day, time = split(when)
    response = as_editor.post(url, {**data, "status": "scheduled", "published_at_0": day,
                                    "published_at_1": time})
    assert response.status_code == 302, form_errors(response)
    article.refresh_from_db()
    assert (article.status, article.published_at) == (Article.Status.PUBLISHED, when)
    assert "Scheduled" in as_editor.get(ARTICLES).content.decode()
    client.logout()
    assert client.get("/articles/later/").status_code == 404


def test_editor_publishes_in_bulk(as_editor):
    untimed = make_article(status=Article.Status.REVIEW)
    scheduled_at = timezone.now() + timedelta(days=1)
    timed = make_article(status=Article.Status.DRAFT, published_at=scheduled_at)
    before = timezone.now()
    response = action(as_editor, ARTICLES, "publish_selected", [untimed, timed])
    assert response.status_code == 302
    untimed.refresh_from_db()
    timed.refresh_from_db()
    assert untimed.status == timed.status == Article.Status.PUBLISHED
    assert before <= untimed.published_at <= timezone.now()
    assert timed.published_at == scheduled_at  # stays scheduled
    assert list(Article.objects.published()) == [untimed]


def test_editor_unpublishes_and_readers_lose_the_page(as_editor, client):
    article = make_article(slug="withdrawn")
    assert client.get("/articles/withdrawn/").status_code == 200  # still logged in as staff
    response = action(as_editor, ARTICLES, "unpublish_selected", [article])
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Article.Status.UNPUBLISHED
    assert article.published_at is not None  # kept
    client.logout()
    assert client.get("/articles/withdrawn/").status_code == 404


def test_editor_unpublishes_through_the_form(as_editor, client):
    article = make_article(slug="withdrawn")
    url, data = article_form(as_editor, article)
    response = as_editor.post(url, {**data, "status": "unpublished"})
    assert response.status_code == 302, form_errors(response)
    article.refresh_from_db()
    assert article.status == Article.Status.UNPUBLISHED
    client.logout()
    assert client.get("/articles/withdrawn/").status_code == 404


def test_editor_deletes(as_editor, seeded):
    first, second = seeded
    url = reverse("admin:articles_article_delete", args=[first.pk])
    assert as_editor.get(url).status_code == 200
    response = as_editor.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not Article.objects.filter(pk=first.pk).exists()
    assert not RelatedLink.objects.filter(article_id=first.pk).exists()
    assert Article.objects.filter(pk=second.pk).exists()


def test_bulk_publish_holds_back_proposed_headlines(as_editor):
    proposed = make_article("The lead sentence as a headline", status=Article.Status.DRAFT,
                            headline_proposed=True)
    written = make_article("A headline an editor wrote", status=Article.Status.DRAFT)

    changelist = reverse("admin:articles_article_changelist")
    action(as_editor, changelist, "publish_selected", [proposed, written])

    proposed.refresh_from_db()
    written.refresh_from_db()
    assert proposed.status == Article.Status.DRAFT
    assert written.status == Article.Status.PUBLISHED
    assert any("proposed" in message for message in messages_of(as_editor.get(changelist)))


def test_an_upload_cannot_publish_for_a_user_who_may_not(client, seeds_dir):
    importer_only = make_user("importer", "Reporter", is_staff=True)
    importer_only.user_permissions.add(
        Permission.objects.get(codename="import_articles", content_type__app_label="articles"))
    client.force_login(importer_only)

    report = summary(upload(client, seed_files(seeds_dir)))

    assert report.counts()["created"] == 2
    # The manifest says "published"; the uploader may not publish, so they wait for review.
    assert set(Article.objects.values_list("status", flat=True)) == {Article.Status.REVIEW}


# -------------------------------------------------------------------------------------------
# Who may change a live story


def test_reporter_cannot_change_the_text_of_a_live_story(as_reporter, seeded):
    article = seeded[0]
    url, data = article_form(as_reporter, article)
    assert "headline" not in data and "body" not in data
    assert not any(key.endswith("-title") for key in data)
    data.update({"headline": "Rewritten by a reporter", "body": "New text."})

    as_reporter.post(url, data)

    article.refresh_from_db()
    assert article.headline == SEED_1
    assert len(article.paragraphs) == 9


def test_the_slug_of_a_live_story_is_fixed_for_editors_too(as_editor, seeded):
    article = seeded[0]
    url, data = article_form(as_editor, article)
    assert "slug" not in data
    data["slug"] = "a-new-address"

    as_editor.post(url, data)

    article.refresh_from_db()
    assert article.slug != "a-new-address"


# -------------------------------------------------------------------------------------------
# Scheduled publishing at the boundary


def test_published_at_now_is_published_and_a_microsecond_later_is_not():
    now = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    at_now = make_article(published_at=now)
    just_after = make_article(published_at=now + timedelta(microseconds=1))
    just_before = make_article(published_at=now - timedelta(microseconds=1))
    with mock.patch("django.utils.timezone.now", return_value=now):
        assert set(Article.objects.published()) == {at_now, just_before}
        assert at_now.is_public and just_before.is_public
        assert not just_after.is_public


def test_a_future_article_is_hidden_and_a_past_one_shown(client):
    now = timezone.now()
    make_article(slug="soon", published_at=now + timedelta(minutes=1))
    make_article(slug="just-now", published_at=now - timedelta(seconds=1))
    assert [a.slug for a in Article.objects.published()] == ["just-now"]
    assert client.get("/articles/soon/").status_code == 404
    assert client.get("/articles/just-now/").status_code == 200


def test_a_scheduled_article_goes_live_at_its_time(client):
    now = timezone.now()
    make_article(slug="soon", published_at=now + timedelta(minutes=1))
    with mock.patch("django.utils.timezone.now", return_value=now + timedelta(minutes=1)):
        assert client.get("/articles/soon/").status_code == 200


# -------------------------------------------------------------------------------------------
# Preview


BANNER = "Preview: readers cannot see this article yet"


def test_a_draft_is_404_for_readers(client, reader):
    make_article(slug="draft", status=Article.Status.DRAFT)
    assert client.get("/articles/draft/").status_code == 404
    client.force_login(reader)
    assert client.get("/articles/draft/").status_code == 404


@pytest.mark.parametrize("role", ["editor", "reporter"])
def test_staff_preview_a_draft_with_a_banner(client, user_for, role):
    make_article(slug="draft", status=Article.Status.DRAFT)
    client.force_login(user_for(role))
    response = client.get("/articles/draft/")
    assert response.status_code == 200
    assert BANNER in response.content.decode()


def test_published_page_has_no_banner_for_staff(as_editor):
    make_article(slug="live")
    response = as_editor.get("/articles/live/")
    assert response.status_code == 200
    assert BANNER not in response.content.decode()


# -------------------------------------------------------------------------------------------
# The rules themselves, as every route calls them (articles.workflow)


@pytest.mark.parametrize("change", [publish, unpublish], ids=["publish", "unpublish"])
def test_only_those_who_may_publish_publish_or_unpublish(reporter, change):
    draft, live = make_article(status=Article.Status.REVIEW), make_article()
    with pytest.raises(PermissionDenied):
        change(Article.objects.all(), reporter)
    assert [(a.status, a.is_public) for a in Article.objects.order_by("pk")] == [
        (draft.status, False), (live.status, True)]


def test_publish_keeps_a_future_time_gives_the_untimed_now_and_skips_proposed_headlines(
        editor):
    later = timezone.now() + timedelta(days=1)
    timed = make_article(status=Article.Status.REVIEW, published_at=later)
    untimed = make_article(status=Article.Status.DRAFT)
    proposed = make_article(status=Article.Status.DRAFT, headline_proposed=True)
    live = make_article()
    before = timezone.now()

    assert publish(Article.objects.all(), editor) == 2  # the live one is left as it is

    for article in (timed, untimed, proposed, live):
        article.refresh_from_db()
    assert (timed.status, timed.published_at) == (Article.Status.PUBLISHED, later)
    assert untimed.status == Article.Status.PUBLISHED
    assert before <= untimed.published_at <= timezone.now()
    assert proposed.status == Article.Status.DRAFT


def test_submit_for_review_moves_drafts_only(reporter):
    draft, live = make_article(status=Article.Status.DRAFT), make_article()
    assert submit_for_review(Article.objects.all(), reporter) == 1
    draft.refresh_from_db()
    live.refresh_from_db()
    assert (draft.status, live.status) == (Article.Status.REVIEW, Article.Status.PUBLISHED)


def test_a_reporter_edits_the_content_of_drafts_only(reporter, editor):
    draft = make_article(status=Article.Status.DRAFT)
    live = make_article()
    draft_link, live_link = make_link(draft), make_link(live)

    assert can_edit_content(reporter, draft) and can_edit_content(reporter, draft_link)
    assert not can_edit_content(reporter, live) and not can_edit_content(reporter, live_link)
    # A row counts for the article a form would move it to, too.
    draft_link.article = live
    assert not can_edit_content(reporter, draft_link)
    assert can_edit_content(reporter, None)  # a new article
    assert list(editable_rows(reporter, RelatedLink.objects.order_by("pk"))) == [draft_link]
    # Editors edit everything.
    assert can_edit_content(editor, live) and can_edit_content(editor, live_link)
    assert editable_rows(editor, RelatedLink.objects.all()).count() == 2
