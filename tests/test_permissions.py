"""Once an article is published or withdrawn, what readers see of it is the editors' alone: on
every admin page of every model that is part of an article, and on every re-import.

The admin cases are built from the admin's registry when the tests are collected: each registered
ModelAdmin, and each bulk action it offers, is a case here by itself, so a new admin page or a new
action is walked without anyone adding a test. A model is part of an article when it is the
article, has a foreign key to one, or is linked from one many-to-many (tags); any other
registered model must give reporters no change or delete permission at all.

Each case runs a request as a reporter against rows of a published (or withdrawn) article, then
the same request as an editor, the positive control: it must succeed and change the rows. Two
reporters: one of the Reporter group as migration 0003 makes it, and one who also holds every
add, change, delete and view permission of these models (not "publish"), so that the workflow
rule is what refuses, not a missing permission.
"""

import io
import textwrap
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.contrib.admin.sites import AdminSite
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import models
from django.db.models import Q
from django.test import RequestFactory
from django.test.utils import isolate_apps
from django.urls import reverse
from django.utils import timezone

from articles.admin import content_admin_errors
from articles.ingest.parse import normalise
from articles.ingest.report import STATUSES
from articles.models import Article, RelatedLink
from tests.admin_helpers import FormParser, logged_in, summary, upload
from tests.factories import make_article, make_link, make_source

pytestmark = pytest.mark.django_db


# -------------------------------------------------------------------------------------------
# The registry, read at collection time


def forward_relations(model):
    return [field for field in model._meta.get_fields()
            if field.is_relation and not field.auto_created and field.concrete]


def article_keys(model):
    """The foreign keys of `model` that point at an article."""
    return [field for field in forward_relations(model)
            if field.related_model is Article and (field.many_to_one or field.one_to_one)]


def article_links(model):
    """The many-to-many fields of Article whose rows are `model`'s (its tags)."""
    return [field for field in forward_relations(Article)
            if field.many_to_many and field.related_model is model]


def part_of_articles(model):
    return model is Article or bool(article_keys(model) or article_links(model))


def label(model):
    return model._meta.label_lower


# A registered model a reporter may change or delete although it is not part of an article,
# with the reason: {"app_label.model": "why"}. None today.
REPORTERS_MAY_CHANGE = {}

REGISTRY = sorted(admin.site._registry.items(), key=lambda item: label(item[0]))
CONTENT = [model for model, _ in REGISTRY if part_of_articles(model)]
OTHERS = [model for model, _ in REGISTRY
          if not part_of_articles(model) and label(model) not in REPORTERS_MAY_CHANGE]


def _allowed_everything():
    """A request by a superuser that is not in the database: what every action needs."""
    request = RequestFactory().get("/admin/")
    request.user = get_user_model()(username="everyone", is_superuser=True, is_staff=True,
                                    is_active=True)
    return request


ACTIONS = [(model, name) for model in CONTENT
           for name in admin.site._registry[model].get_actions(_allowed_everything())]
# Actions that by their own rule never touch a published or withdrawn article, for anyone; for
# them the positive control is the same request changing a draft.
ONLY_FOR_DRAFTS = {
    ("articles.article", "submit_for_review"): "marks drafts ready for review",
}
AUTOCOMPLETES = [
    (model, field.name) for model in CONTENT for field in article_keys(model)
    if field.name in admin.site._registry[model].get_autocomplete_fields(_allowed_everything())
]
REPORTERS = ["reporter", "reporter with every model permission"]


def model_id(model):
    return label(model)


# -------------------------------------------------------------------------------------------
# People and rows


def staff(username, group):
    user = get_user_model().objects.create_user(username, f"{username}@example.com",
                                                is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def editor():
    return logged_in(staff("editor", "Editor"))


@pytest.fixture(params=REPORTERS)
def reporter(request):
    user = staff("reporter", "Reporter")
    if request.param != "reporter":
        types = ContentType.objects.get_for_models(*CONTENT).values()
        user.user_permissions.add(*Permission.objects.filter(content_type__in=types).filter(
            Q(codename__startswith="add_") | Q(codename__startswith="change_")
            | Q(codename__startswith="delete_") | Q(codename__startswith="view_")))
    return logged_in(user)


def desk(name):
    """A live (published) article, a withdrawn one and a draft, each with a related video, a
    correction and a tag of its own; and a draft the videos resolve to once asked."""
    source = make_source(f"Desk {name}")
    target = make_article(f"The clip the sidebars name, {name}", source=source,
                          status=Article.Status.DRAFT)
    articles = {
        "live": make_article(f"Desk story live {name}", source=source,
                             tags=[f"Live tag {name}"]),
        "withdrawn": make_article(f"Desk story withdrawn {name}", source=source,
                                  status=Article.Status.UNPUBLISHED,
                                  published_at=timezone.now() - timedelta(days=1),
                                  tags=[f"Withdrawn tag {name}"]),
        "draft": make_article(f"Desk story draft {name}", source=source,
                              status=Article.Status.DRAFT, tags=[f"Draft tag {name}"]),
    }
    for article in articles.values():
        make_link(article, RelatedLink.Kind.VIDEO, title=target.headline,
                  match_key=f"h:{normalise(target.headline)}")
        article.corrections.create(note=f"A correction of {article.headline}.")
    return SimpleNamespace(**articles, target=target,
                           locked=[articles["live"], articles["withdrawn"]])


def rows_of(model, articles):
    """The rows of `model` that are part of `articles`."""
    pks = [article.pk for article in articles]
    if model is Article:
        return Article.objects.filter(pk__in=pks)
    part = Q(pk__in=[])
    for key in article_keys(model):
        part |= Q(**{f"{key.name}__in": pks})
    for link in article_links(model):
        part |= Q(pk__in=Article.objects.filter(pk__in=pks).values(link.name))
    return model.objects.filter(part).distinct()


def snapshot(model, pks):
    """Every stored value of these rows (a deleted row is missing)."""
    return list(model.objects.filter(pk__in=pks).order_by("pk").values())


def url(model, page, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}", args=args)


def form_of(client, model, row):
    """What the change form of `row` submits unchanged, as `client` sees it."""
    response = client.get(url(model, "change", row.pk))
    assert response.status_code == 200, response
    parser = FormParser(f"{model._meta.model_name}_form")
    parser.feed(response.content.decode())
    return parser.data()


def edited(model, data):
    """`data` with its first plain text field changed."""
    for field in model._meta.concrete_fields:
        if (isinstance(field, models.CharField | models.TextField)
                and not isinstance(field, models.SlugField | models.URLField)
                and not field.choices and field.name in data):
            return {**data, field.name: f"{data[field.name]} (edited)".strip()}
    raise AssertionError(f"no plain text field to change on {label(model)}'s form")


def errors_of(response):
    context = response.context or {}
    form = context.get("adminform")
    return form.form.errors if form else response.status_code


# -------------------------------------------------------------------------------------------
# Every admin page of article content


@pytest.mark.parametrize("model", CONTENT, ids=model_id)
def test_a_reporter_only_views_a_row_of_a_live_article(model, reporter, editor):
    situation = desk("a")
    row = rows_of(model, [situation.live]).first()
    page = url(model, "change", row.pk)
    before = snapshot(model, [row.pk])

    shown = reporter.get(page)
    assert shown.status_code == 200
    assert shown.context["has_change_permission"] is False, "the form is editable"
    data = edited(model, form_of(editor, model, row))
    assert reporter.post(page, data).status_code == 403
    assert snapshot(model, [row.pk]) == before

    accepted = editor.post(page, data)
    assert accepted.status_code == 302, errors_of(accepted)
    assert snapshot(model, [row.pk]) != before


@pytest.mark.parametrize("model", CONTENT, ids=model_id)
def test_a_reporter_cannot_delete_a_row_of_a_live_article(model, reporter, editor):
    situation = desk("a")
    for article in situation.locked:
        row = rows_of(model, [article]).first()
        page = url(model, "delete", row.pk)

        assert reporter.get(page).status_code == 403
        assert reporter.post(page, {"post": "yes"}).status_code == 403
        assert model.objects.filter(pk=row.pk).exists()

        assert editor.post(page, {"post": "yes"}).status_code == 302
        assert not model.objects.filter(pk=row.pk).exists()


OWNED = [model for model in CONTENT if article_keys(model)]


def pointing_at(model, data, article):
    """`data` with every foreign key to an article that named a locked one naming `article`."""
    return {**data, **{key.name: str(article.pk) for key in article_keys(model)
                       if data.get(key.name)}}


@pytest.mark.parametrize("model", OWNED, ids=model_id)
def test_a_reporter_cannot_add_a_row_to_a_live_article(model, reporter, editor):
    situation = desk("a")
    add = url(model, "add")
    for article in situation.locked:
        # A copy of one of its rows, which the editor's form shows complete and valid.
        copy = form_of(editor, model, rows_of(model, [article]).first())
        count = rows_of(model, [article]).count()

        refused = reporter.post(add, copy)
        assert refused.status_code in (200, 403), "added"
        assert rows_of(model, [article]).count() == count

        accepted = editor.post(add, copy)
        assert accepted.status_code == 302, errors_of(accepted)
        assert rows_of(model, [article]).count() == count + 1

    # The same row on a draft: the rule, not the form, refused the others.
    copy = pointing_at(model, form_of(editor, model, rows_of(model, [situation.live]).first()),
                       situation.draft)
    count = rows_of(model, [situation.draft]).count()
    response = reporter.post(add, copy)
    if response.status_code != 403:  # the Reporter group may not add corrections at all
        assert response.status_code == 302, errors_of(response)
        assert rows_of(model, [situation.draft]).count() == count + 1


@pytest.mark.parametrize("model", OWNED, ids=model_id)
def test_a_reporter_cannot_move_a_row_into_a_live_article(model, reporter, editor):
    situation = desk("a")
    row = rows_of(model, [situation.draft]).first()
    page = url(model, "change", row.pk)
    moved = pointing_at(model, form_of(editor, model, row), situation.live)
    before = snapshot(model, [row.pk])

    response = reporter.post(page, moved)
    assert response.status_code in (200, 403), "moved"
    assert snapshot(model, [row.pk]) == before

    accepted = editor.post(page, moved)
    assert accepted.status_code == 302, errors_of(accepted)
    assert rows_of(model, [situation.live]).filter(pk=row.pk).exists()


def run_action(client, model, name, rows):
    """Select `rows` on the changelist and run action `name`, confirming at once where it
    asks (delete_selected)."""
    return client.post(url(model, "changelist"), {
        "action": name, "index": "0", "post": "yes",
        "_selected_action": [str(row.pk) for row in rows]})


@pytest.mark.parametrize(("model", "name"), ACTIONS,
                         ids=[f"{label(model)}-{name}" for model, name in ACTIONS])
def test_no_bulk_action_lets_a_reporter_change_a_live_article(model, name, reporter, editor):
    # One situation each: the reporter's request may change its drafts, the editor's must
    # start from the same rows.
    for client, situation in ((reporter, desk("reporter's")), (editor, desk("editor's"))):
        locked = list(rows_of(model, situation.locked))
        drafts = list(rows_of(model, [situation.draft]))
        assert locked and drafts
        before = snapshot(model, [row.pk for row in locked])
        before_drafts = snapshot(model, [row.pk for row in drafts])

        response = run_action(client, model, name, [*locked, *drafts])

        after = snapshot(model, [row.pk for row in locked])
        if client is reporter:
            assert after == before, f"a reporter's {name} changed a live article's rows"
        elif (label(model), name) in ONLY_FOR_DRAFTS:
            assert response.status_code == 302
            assert after == before
            assert snapshot(model, [row.pk for row in drafts]) != before_drafts
        else:
            assert response.status_code == 302, errors_of(response)
            assert after != before, f"the editor's {name} changed nothing"


@pytest.mark.parametrize(("model", "field"), AUTOCOMPLETES,
                         ids=[f"{label(model)}.{field}" for model, field in AUTOCOMPLETES])
def test_autocomplete_offers_a_reporter_only_articles_they_may_add_to(model, field, reporter,
                                                                      editor):
    situation = desk("a")
    owner = rows_of(model, [situation.live]).filter(**{field: situation.live}).exists()

    def found(client):
        response = client.get("/admin/autocomplete/", {
            "app_label": model._meta.app_label, "model_name": model._meta.model_name,
            "field_name": field, "term": "Desk story"})
        assert response.status_code == 200
        return {int(item["id"]) for item in response.json()["results"]}

    everything = {situation.live.pk, situation.withdrawn.pk, situation.draft.pk}
    assert found(editor) == everything
    if owner:  # the article the row belongs to
        assert found(reporter) == {situation.draft.pk}
    else:  # a reference to another article (a link's target): any article will do
        assert found(reporter) == everything


@pytest.mark.parametrize("model", OTHERS, ids=model_id)
def test_reporters_may_not_change_what_is_not_article_content(model):
    request = RequestFactory().get("/admin/")
    request.user = staff("reporter", "Reporter")
    model_admin = admin.site._registry[model]
    assert not model_admin.has_change_permission(request), (
        f"reporters may change {label(model)}: if it is not part of articles, say why in "
        "REPORTERS_MAY_CHANGE")
    assert not model_admin.has_delete_permission(request)


# -------------------------------------------------------------------------------------------
# The same rule for admin pages still to come


def test_the_desk_passes_its_own_checks():
    assert content_admin_errors(admin.site) == []
    call_command("check", stdout=io.StringIO())  # raises on an error


def test_an_admin_page_of_article_content_without_the_rules_is_an_error():
    site = AdminSite()
    site.register(RelatedLink)
    assert [error.id for error in content_admin_errors(site)] == ["articles.E001"]


@isolate_apps("articles")
def test_a_new_model_of_articles_must_say_how_it_belongs_to_them():
    class Photo(models.Model):
        article = models.ForeignKey(Article, on_delete=models.CASCADE)

        class Meta:
            app_label = "articles"

        def __str__(self):
            return f"Photo of {self.article}"

    site = AdminSite()
    site.register(Photo)
    assert [error.id for error in content_admin_errors(site)] == ["articles.E002"]


# -------------------------------------------------------------------------------------------
# A re-import, by the command or the browser, never changes a live article


STORY = """\
Sahel
The ministers met in Niamey on {day} to agree a joint force.
They said the force would be ready within a year.
Go to video
{clip}
"""
URL = "https://example.com/joint-force"


def write_story(folder, status, day="Monday", clip="The first clip"):
    (folder / "a.txt").write_text(STORY.format(day=day, clip=clip), encoding="utf-8")
    (folder / "manifest.toml").write_text(textwrap.dedent(f"""\
        [[source]]
        key = "wire"
        name = "Test Wire"

        [[article]]
        file = "a.txt"
        source = "wire"
        headline = "Joint force agreed"
        url = "{URL}"
        status = "{status}"
        """), encoding="utf-8")


def what_readers_see():
    article = Article.objects.get(original_url=URL)
    return (article.headline, article.kicker, article.body, article.status,
            list(article.related_links.values_list("kind", "title", "target_id")),
            sorted(article.tags.names()))


def import_command(folder):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_articles", str(folder), stdout=out, stderr=err)  # exit status 0
    return out.getvalue()


@pytest.mark.parametrize(("status", "word"), [("published", "published"),
                                              ("unpublished", "unpublished")])
def test_a_reimport_holds_the_new_version_of_a_live_article(tmp_path, status, word):
    write_story(tmp_path, "published")
    import_command(tmp_path)
    Article.objects.update(status=status)
    before = what_readers_see()

    write_story(tmp_path, "published", day="Tuesday", clip="Another clip")
    (tmp_path / "a.txt").write_text((tmp_path / "a.txt").read_text().replace("Sahel", "Niger"))
    out = import_command(tmp_path)

    assert what_readers_see() == before
    assert (f"held {tmp_path / 'a.txt'}: held for an editor: the article is {word}; a pending "
            "version waits on the article's page") in out
    assert "1 files: 0 created, 0 updated, 0 unchanged, 0 skipped, 1 held, 0 failed." in out
    # Nothing new since: the held version is not applied later behind the editors' backs.
    assert "1 held" in import_command(tmp_path)
    assert what_readers_see() == before


@pytest.mark.parametrize("status", ["draft", "review"])
def test_a_reimport_still_updates_drafts_and_articles_in_review(tmp_path, status):
    write_story(tmp_path, status)
    import_command(tmp_path)

    write_story(tmp_path, status, day="Tuesday")
    out = import_command(tmp_path)

    assert "0 held" in out and "1 updated" in out
    assert "Tuesday" in Article.objects.get(original_url=URL).body


def test_an_upload_by_someone_who_may_not_publish_holds_a_live_article(tmp_path):
    write_story(tmp_path, "published")
    import_command(tmp_path)
    before = what_readers_see()
    importer = staff("importer", "Reporter")
    importer.user_permissions.add(
        Permission.objects.get(codename="import_articles", content_type__app_label="articles"))

    write_story(tmp_path, "published", day="Tuesday", clip="Another clip")
    response = upload(logged_in(importer), [
        SimpleUploadedFile(name, (tmp_path / name).read_bytes())
        for name in ("a.txt", "manifest.toml")])

    assert summary(response).counts() == {**dict.fromkeys(STATUSES, 0), "held": 1}
    assert what_readers_see() == before
    page = response.content.decode()
    assert "0 skipped, 1 held, 0 failed" in page
    assert ("held for an editor: the article is published; a pending version waits on the "
            "article&#x27;s page") in page
