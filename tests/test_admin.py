"""The editors' desk: the admin through Django's test client, for each role.

Roles: a superuser; an editor (staff, group "Editor": publishes, imports, deletes); a reporter
(staff, group "Reporter": writes drafts and submits them for review, never publishes). The groups
come from migration 0003, so the test database already has them.
"""

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.ingest.importer import import_paths
from articles.ingest.parse import normalise
from articles.models import Article, Correction, RelatedLink, Source
from tests.factories import make_article, make_link, make_source

pytestmark = pytest.mark.django_db

WAGNER = "Wagner Group faces war crime accusations over posting atrocities on social media"
SEED_1 = "Mali, Burkina Faso and Niger foreign ministers head to Moscow for first AES-Russia talks"
SEED_2 = "Sahel alliance ministers meet in Moscow to deepen security ties with Russia"
ARTICLES = "/admin/articles/article/"
IMPORT = "/admin/articles/article/import/"
LINKS = "/admin/articles/relatedlink/"

# -------------------------------------------------------------------------------------------
# Users


def make_user(username, group=None, **fields):
    user = get_user_model().objects.create_user(username, f"{username}@example.com", **fields)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def superuser():
    return get_user_model().objects.create_superuser("chief", "chief@example.com", "x")


@pytest.fixture
def editor():
    return make_user("editor", "Editor", is_staff=True)


@pytest.fixture
def reporter():
    return make_user("reporter", "Reporter", is_staff=True)


@pytest.fixture
def reader():
    """Logged in, but not staff."""
    return make_user("reader")


@pytest.fixture
def user_for(superuser, editor, reporter):
    return {"superuser": superuser, "editor": editor, "reporter": reporter}.__getitem__


@pytest.fixture
def as_editor(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def as_reporter(client, reporter):
    client.force_login(reporter)
    return client


# -------------------------------------------------------------------------------------------
# What a browser would send for a form on a page


class FormParser(HTMLParser):
    """Collects the successful controls of the form with `form_id`, as a browser submits them."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.pairs = []
        self.select = None  # (name, multiple, options: [(value, selected)])
        self.option = None  # [value or None, text, selected]
        self.textarea = None  # [name, text]

    def handle_starttag(self, tag, attrs):
        attrs = {key: "" if value is None else value for key, value in attrs}
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
            return
        if not self.inside or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.pairs.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self.select = (name, "multiple" in attrs, [])
        elif tag == "option" and self.select:
            self.option = [attrs.get("value"), "", "selected" in attrs]
        elif tag == "textarea" and name:
            self.textarea = [name, ""]

    def handle_data(self, data):
        if self.option is not None:
            self.option[1] += data
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "option" and self.option is not None:
            value, text, selected = self.option
            self.select[2].append((text.strip() if value is None else value, selected))
            self.option = None
        elif tag == "select" and self.select:
            name, multiple, options = self.select
            chosen = [value for value, selected in options if selected]
            if not chosen and not multiple and options:
                chosen = [options[0][0]]
            self.pairs.extend((name, value) for value in chosen)
            self.select = None
        elif tag == "textarea" and self.textarea:
            name, text = self.textarea
            # Browsers drop the newline that follows <textarea>.
            self.pairs.append((name, text.removeprefix("\r\n").removeprefix("\n")))
            self.textarea = None

    def data(self):
        """A dict for the test client: one value, or a list for a repeated name."""
        result = {}
        for name, value in self.pairs:
            if "__prefix__" in name:  # the inlines' template rows for "Add another"
                continue
            if name in result:
                previous = result[name]
                result[name] = [*previous, value] if isinstance(previous, list) else [
                    previous, value]
            else:
                result[name] = value
        return result


def form_data(client, url, form_id):
    """GET `url` and return what its form `form_id` would submit unchanged."""
    response = client.get(url)
    assert response.status_code == 200, response
    parser = FormParser(form_id)
    parser.feed(response.content.decode())
    data = parser.data()
    assert data, f"no form #{form_id} on {url}"
    return data


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def article_form(client, article=None):
    """The article change (or add) form's data, inline management forms included."""
    url = change_url(article) if article else reverse("admin:articles_article_add")
    return url, form_data(client, url, "article_form")


def split(moment):
    """A datetime as the admin's split date/time widget sends it (UTC is the test time zone)."""
    local = timezone.localtime(moment)
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")


def form_errors(response):
    assert response.status_code == 200, f"expected the form again, got {response.status_code}"
    form = response.context["adminform"].form
    return {**form.errors, **({"__all__": form.non_field_errors()} if form.non_field_errors()
                              else {})}


def action(client, url, name, objects):
    return client.post(url, {"action": name, "index": "0",
                             "_selected_action": [str(obj.pk) for obj in objects]})


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


# -------------------------------------------------------------------------------------------
# Data


@pytest.fixture
def seeded(seeds_dir):
    report = import_paths([seeds_dir], publish=True)
    assert report.counts()["created"] == 2, report.summary()
    return Article.objects.get(headline=SEED_1), Article.objects.get(headline=SEED_2)


@pytest.fixture
def desk(seeded):
    """Two published seeds and one French draft with a proposed headline, each filter's case."""
    first, second = seeded
    # All of the second seed's links resolved; the first seed keeps its six unresolved.
    second.related_links.update(target=first)
    draft = make_article("Brouillon sur le Sahel", status=Article.Status.DRAFT, language="fr",
                         headline_proposed=True, tags=["Sahel"], source=make_source("Le Desk"))
    return {"first": first, "second": second, "draft": draft}


def listed(response):
    assert response.status_code == 200, response
    return {article.headline for article in response.context["cl"].result_list}


# -------------------------------------------------------------------------------------------
# 1. Pages render, for every role


ROLES = ["superuser", "editor", "reporter"]

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


@pytest.mark.parametrize("role", ROLES)
def test_correction_changelist_renders(client, desk, user_for, role):
    Correction.objects.create(article=desk["first"], note="The talks are on April 3-4.")
    client.force_login(user_for(role))
    response = client.get("/admin/articles/correction/")
    assert response.status_code == 200
    assert [c.article for c in response.context["cl"].result_list] == [desk["first"]]


@pytest.mark.parametrize(("role", "status"), [("superuser", 200), ("editor", 200),
                                              ("reporter", 403)])
def test_import_page_needs_the_import_permission(client, user_for, role, status):
    client.force_login(user_for(role))
    assert client.get(IMPORT).status_code == status


@pytest.mark.parametrize("url", [ARTICLES, IMPORT, "/admin/articles/article/add/",
                                 "/admin/articles/source/", LINKS, "/admin/articles/correction/"])
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


# -------------------------------------------------------------------------------------------
# 2. Who may publish, by every route


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


# -------------------------------------------------------------------------------------------
# 3. Scheduled publishing at the boundary


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
# 4. Preview


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
# 5. Corrections


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
# 6. Import from the browser


def seed_files(seeds_dir, names=("000_0c50d9fd883dd018.txt", "003_3a914f44e5e3521d.txt",
                                 "manifest.toml")):
    return [SimpleUploadedFile(name, (seeds_dir / name).read_bytes()) for name in names]


def seeds_zip(seeds_dir, extra=()):
    """The seeds and manifest in a zip, plus `extra` entries: (ZipInfo or name, data)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(seeds_dir.iterdir()):
            archive.writestr(path.name, path.read_bytes())
        for info, data in extra:
            archive.writestr(info, data)
    return buffer.getvalue()


def upload(client, files, **fields):
    return client.post(IMPORT, {"files": files, **fields})


def summary(response):
    assert response.status_code == 200
    report = response.context["report"]
    assert report is not None, response.context["form"].errors
    return report


def results(report):
    return {result.name: (result.status, result.reason) for result in report.results}


def refused(response):
    """The form's error for an upload refused whole; nothing may have been written."""
    assert response.status_code == 200
    assert response.context["report"] is None
    errors = response.context["form"].errors.get("files")
    assert errors, "the upload was not refused"
    assert Article.objects.count() == 0
    assert Source.objects.count() == 0
    assert RelatedLink.objects.count() == 0
    return " ".join(errors)


def test_editor_imports_seed_files_and_manifest(as_editor, seeds_dir):
    response = upload(as_editor, seed_files(seeds_dir))
    report = summary(response)
    assert report.counts()["created"] == 2
    assert report.ok
    html = response.content.decode()
    assert "Import summary" in html
    assert report.summary() in html
    assert "2 created" in html
    assert {a.headline: a.related_links.count() for a in Article.objects.all()} == {
        SEED_1: 6, SEED_2: 6}
    assert set(Article.objects.values_list("status", flat=True)) == {"published"}
    assert set(Article.objects.values_list("source_file", flat=True)) == {
        "000_0c50d9fd883dd018.txt", "003_3a914f44e5e3521d.txt"}
    assert any("2 created" in message for message in messages_of(response))


def test_an_empty_file_fails_alone(as_editor, seeds_dir):
    files = [*seed_files(seeds_dir), SimpleUploadedFile("empty.txt", b"")]
    report = summary(upload(as_editor, files))
    assert results(report)["empty.txt"] == ("failed", "the file is empty")
    assert report.counts()["created"] == 2
    assert Article.objects.count() == 2


def test_a_file_without_a_body_fails_alone(as_editor, seeds_dir):
    files = [*seed_files(seeds_dir), SimpleUploadedFile("short.txt", b"Only a kicker\n")]
    response = upload(as_editor, files, source="Wire")
    report = summary(response)
    status, reason = results(report)["short.txt"]
    assert status == "failed"
    assert "no body paragraphs" in reason
    assert reason in response.content.decode()
    assert Article.objects.count() == 2
    assert any("1 failed" in message for message in messages_of(response))


def test_a_dry_run_writes_nothing(as_editor, seeds_dir):
    response = upload(as_editor, seed_files(seeds_dir), dry_run="on")
    report = summary(response)
    assert report.dry_run
    assert report.counts()["created"] == 2
    assert "Dry run: nothing was written" in response.content.decode()
    assert Article.objects.count() == Source.objects.count() == RelatedLink.objects.count() == 0


def test_a_zip_of_the_seeds_imports(as_editor, seeds_dir):
    data = seeds_zip(seeds_dir, extra=[("__MACOSX/._x.txt", b"junk"), ("README.md", b"hi")])
    report = summary(upload(as_editor, [SimpleUploadedFile("seeds.zip", data)]))
    assert report.counts()["created"] == 2
    assert Article.objects.count() == 2
    assert RelatedLink.objects.count() == 12


def symlink(name):
    info = zipfile.ZipInfo(name)
    info.external_attr = 0o120777 << 16
    return info


_BOMB = []


def bomb():
    """One .txt entry of 50 MB of "a": deflated, well over a hundred to one."""
    if not _BOMB:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("bomb.txt", b"a" * (50 * 1024 * 1024))
        _BOMB.append(buffer.getvalue())
    return _BOMB[0]


@pytest.mark.parametrize(("entry", "message"), [
    ("../evil.txt", "outside the archive"),
    ("sub/../../evil.txt", "outside the archive"),
    ("..\\evil.txt", "outside the archive"),
    ("/etc/evil.txt", "outside the archive"),
    ("C:/evil.txt", "outside the archive"),
    ("symlink", "links are not allowed"),
])
def test_hostile_zip_entries_are_refused_whole(as_editor, seeds_dir, entry, message):
    extra = (symlink("evil.txt"), "/etc/passwd") if entry == "symlink" else (
        zipfile.ZipInfo(entry), "Kicker\nA body paragraph that is long enough.\n")
    data = seeds_zip(seeds_dir, extra=[extra])
    error = refused(upload(as_editor, [SimpleUploadedFile("seeds.zip", data)]))
    assert message in error
    assert "evil.txt" in error


def test_a_zip_bomb_is_refused(as_editor, seeds_dir):
    files = [*seed_files(seeds_dir), SimpleUploadedFile("bomb.zip", bomb())]
    assert "zip bomb" in refused(upload(as_editor, files))


def test_too_many_zip_entries_are_refused(as_editor, seeds_dir, monkeypatch):
    monkeypatch.setattr("articles.ingest.uploads.MAX_ENTRIES", 2)
    data = seeds_zip(seeds_dir)
    assert "3 entries; the limit is 2" in refused(
        upload(as_editor, [SimpleUploadedFile("seeds.zip", data)]))


def test_a_disallowed_extension_is_refused(as_editor, seeds_dir):
    files = [*seed_files(seeds_dir), SimpleUploadedFile("tool.exe", b"MZ\x90\x00")]
    assert "tool.exe: only .txt files" in refused(upload(as_editor, files))


def test_an_upload_over_the_limit_is_refused(as_editor, seeds_dir, monkeypatch):
    monkeypatch.setattr("articles.ingest.uploads.MAX_UPLOAD_BYTES", 1000)
    monkeypatch.setattr("articles.forms.MAX_UPLOAD_BYTES", 1000)
    assert "the limit is 1,000" in refused(upload(as_editor, seed_files(seeds_dir)))


def test_an_unreadable_zip_is_refused(as_editor, seeds_dir):
    files = [*seed_files(seeds_dir), SimpleUploadedFile("broken.zip", b"PK\x03\x04 not a zip")]
    assert "not a readable zip archive" in refused(upload(as_editor, files))


def test_reporter_cannot_import(as_reporter, seeds_dir):
    assert as_reporter.get(IMPORT).status_code == 403
    assert upload(as_reporter, seed_files(seeds_dir)).status_code == 403
    assert Article.objects.count() == 0


def test_a_zip_inside_an_uploaded_zip_is_a_failed_item_of_the_report(as_editor, seeds_dir):
    inner = seeds_zip(seeds_dir)
    data = seeds_zip(seeds_dir, extra=[("more/inner.zip", inner), ("photo.jpg", b"\xff\xd8")])
    response = upload(as_editor, [SimpleUploadedFile("upload.zip", data)])
    report = summary(response)
    assert report.counts()["created"] == 2
    assert [str(result) for result in report.failures] == [
        "upload.zip: more/inner.zip: a zip inside a zip is not imported; unpack it and upload "
        "its files",
        "upload.zip: photo.jpg: only .txt article files and manifest.toml are imported from a "
        "zip; not imported",
    ]
    assert "a zip inside a zip is not imported" in response.content.decode()
    assert any("2 failed" in message for message in messages_of(response))


def csrf_client(user):
    """A client that checks CSRF tokens as a browser's requests are checked."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def with_token(client, files, **fields):
    client.get(IMPORT)
    token = client.cookies["csrftoken"].value
    return client.post(IMPORT, {"files": files, "csrfmiddlewaretoken": token, **fields})


def test_more_files_than_one_upload_takes_bring_back_the_form_with_the_limit(
        editor, seeds_dir, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    client = csrf_client(editor)
    files = [*seed_files(seeds_dir), SimpleUploadedFile("more.txt", b"Kicker\nA body.\n")]

    response = with_token(client, files)

    assert response.status_code == 200
    assert response.context["report"] is None
    error = " ".join(response.context["form"].errors["files"])
    assert error == ("More than 3 files were selected, the most one upload takes: put them in "
                     "a .zip and upload that.")
    assert "put them in a .zip" in response.content.decode()
    assert Article.objects.count() == 0


def test_the_import_page_still_checks_the_csrf_token(editor, seeds_dir):
    client = csrf_client(editor)
    assert client.post(IMPORT, {"files": seed_files(seeds_dir)}).status_code == 403
    assert Article.objects.count() == 0
    assert summary(with_token(client, seed_files(seeds_dir))).counts()["created"] == 2


def test_a_loose_file_takes_the_form_source_and_a_proposed_headline_stays_draft(
        as_editor, seeds_dir):
    # A file the manifest does not cover takes the form's source and "publish" choice.
    text = (seeds_dir / "000_0c50d9fd883dd018.txt").read_bytes()
    response = upload(as_editor, [SimpleUploadedFile("loose.txt", text)], source="Wire desk",
                      publish="on")
    report = summary(response)
    assert report.counts()["created"] == 1
    article = Article.objects.get()
    # No manifest headline: the import proposes one, and such articles stay drafts.
    assert article.headline_proposed
    assert article.status == Article.Status.DRAFT
    assert article.source.name == "Wire desk"


# -------------------------------------------------------------------------------------------
# 7. Related links


def wagner_link(first):
    return first.related_links.get(title=WAGNER)


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


# -------------------------------------------------------------------------------------------
# 8. The changelist's queries do not grow with the articles


# Measured on SQLite: session, user, source and tag filter choices, the two counts, the rows,
# their tags, the date hierarchy's range and dates, the language filter's choices.
CHANGELIST_QUERIES = 11


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
# Rules found in review: line breaks, reordering, who may change a live story


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
