"""Revisions, the imported original and pending versions: every route that changes an article
records a revision; the history shows what each changed; an editor restores one, and accepts or
dismisses a new version of a published story that an import held.

Through the admin (Django's test client) and the importer's public functions.
"""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from articles import textdiff
from articles.ingest.importer import import_paths
from articles.ingest.parse import body_fingerprint
from articles.models import Article, Correction, ImportedOriginal, PendingVersion, RelatedLink
from articles.signals import content_changed
from tests.admin_helpers import logged_in
from tests.factories import make_article, make_link

pytestmark = pytest.mark.django_db

URL = "https://example.com/ministers-meet"
FIRST = ("Sahel\nMinisters met in Niamey on Monday to agree a joint plan.\n\n"
         "The talks lasted three hours.\n\n"
         "Go to video\nAlliance of Sahel States puts on show of unity\n")
SECOND = ("Sahel\nMinisters met in Niamey on Tuesday to agree a joint plan.\n\n"
          "The talks lasted three hours.\n\nA second meeting is planned for May.\n\n"
          "01:31\nAlliance of Sahel States puts on show of unity\n")
THIRD = ("Niger\nMinisters met in Niamey on Wednesday.\n\nThe talks lasted an hour.\n")


# -------------------------------------------------------------------------------------------
# Helpers


def make_user(username, group=None, *permissions):
    user = get_user_model().objects.create_user(username, f"{username}@example.com",
                                                is_staff=True)
    if group:
        user.groups.add(Group.objects.get(name=group))
    for codename in permissions:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


@pytest.fixture
def editor():
    return make_user("editor", "Editor")


@pytest.fixture
def reporter():
    return make_user("reporter", "Reporter")


@pytest.fixture
def viewer():
    """Staff who may look at articles, and neither change nor import them."""
    return make_user("viewer", None, "view_article")


def import_file(folder, text, *, name="story.txt", status="published", **options):
    """Import one file with a manifest giving its URL (its identity), as a scraper's run."""
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(text.encode() if isinstance(text, str) else text)
    (folder / "manifest.toml").write_text(
        f'[[source]]\nkey = "wire"\nname = "Wire"\n\n[[article]]\nfile = "{name}"\n'
        f'source = "wire"\nheadline = "Ministers meet in Niamey"\nurl = "{URL}"\n'
        f'published = 2025-04-01T09:00:00Z\nstatus = "{status}"\n')
    report = import_paths([folder], relative_to=folder, **options)
    assert report.ok, report.summary()
    return report


def revisions_of(article):
    return list(Version.objects.get_for_object(article).select_related("revision__user")
                .order_by("pk"))


def comments(article):
    return [version.revision.comment for version in revisions_of(article)]


def change_url(article, suffix=""):
    return reverse("admin:articles_article_change", args=[article.pk]) + suffix


def history_url(article):
    return reverse("admin:articles_article_history", args=[article.pk])


class _FormReader(HTMLParser):
    """The controls of the article's change form, as a browser submits them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.inside, self.data, self.select, self.textarea = False, {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = {key: "" if value is None else value for key, value in attrs}
        if tag == "form":
            self.inside = attrs.get("id") == "article_form"
        name = attrs.get("name")
        if not self.inside or (not name and tag != "option") or "disabled" in attrs:
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "file"} or (
                    kind in {"checkbox", "radio"} and "checked" not in attrs):
                return
            self.data[name] = attrs.get("value", "on" if kind == "checkbox" else "")
        elif tag == "textarea":
            self.textarea = name
            self.data[name] = ""
        elif tag == "select":
            self.select = name
        elif tag == "option" and self.select and "selected" in attrs:
            self.data[self.select] = attrs.get("value", "")

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            if self.textarea:  # a browser drops the newline right after <textarea>
                self.data[self.textarea] = self.data[self.textarea].removeprefix("\n")
            self.textarea = None
        elif tag == "select":
            self.select = None


def form_data(client, article, **changes):
    """The change form's own values for `article`, with `changes`, as a browser sends them."""
    reader = _FormReader()
    reader.feed(client.get(change_url(article)).content.decode())
    return {**reader.data, **changes}


def parts_in(version):
    """(links, tag rows, corrections) of the article recorded in the version's revision."""
    kinds = {RelatedLink: [], "tag": [], Correction: []}
    for part in version.revision.version_set.all():
        model = part.content_type.model_class()
        if model is RelatedLink:
            kinds[RelatedLink].append(part.field_dict)
        elif model is Correction:
            kinds[Correction].append(part.field_dict)
        elif model.__name__ == "TaggedArticle":
            kinds["tag"].append(part.field_dict)
    return kinds[RelatedLink], kinds["tag"], kinds[Correction]


@pytest.fixture
def told():
    """The articles content_changed named, as the page cache hears them."""
    heard = []

    def receiver(sender, articles=(), **kwargs):
        heard.extend(articles)

    content_changed.connect(receiver)
    yield heard
    content_changed.disconnect(receiver)


# -------------------------------------------------------------------------------------------
# The word-level difference


def test_a_diff_marks_the_words_changed_and_escapes_everything():
    html = textdiff.words_diff("Mali's junta <b>said</b> on Monday",
                               "Mali’s junta said on Tuesday")
    assert html == ("<del>Mali&#x27;s </del><ins>Mali’s </ins>junta "
                    "<del>&lt;b&gt;said&lt;/b&gt; </del><ins>said </ins>on "
                    "<del>Monday</del><ins>Tuesday</ins>")


def test_a_diff_compares_paragraphs_first_then_words_inside_the_changed_ones():
    old = "First paragraph stays.\n\nSecond one changes here.\n\nThird goes."
    new = "First paragraph stays.\n\nSecond one changed here.\n\nA new <i>fourth</i>."
    assert textdiff.text_diff(old, new) == [
        "First paragraph stays.",
        "Second one <del>changes </del><ins>changed </ins>here.",
        "<del>Third goes.</del><ins>A new &lt;i&gt;fourth&lt;/i&gt;.</ins>",
    ]
    assert textdiff.text_diff("One.\n\nTwo.", "One.") == ["One.", "<del>Two.</del>"]
    # Three paragraphs rewritten as two: the first two paired, the third gone whole.
    assert textdiff.text_diff("Met Monday.\n\nTalks lasted hours.\n\nMore in May.",
                              "Met Friday.\n\nTalks lasted an hour.") == [
        "Met <del>Monday.</del><ins>Friday.</ins>",
        "Talks lasted <del>hours.</del><ins>an hour.</ins>",
        "<del>More in May.</del>",
    ]
    assert textdiff.text_diff("", "Only.") == ["<ins>Only.</ins>"]


def test_a_huge_changed_block_is_shown_whole_rather_than_compared_word_by_word():
    old = "word " * 2500
    new = "other " * 2500
    assert textdiff.words_diff(old, new) == f"<del>{old}</del><ins>{new}</ins>"


def test_a_diff_of_a_long_text_with_a_few_changes_marks_just_those():
    words = [f"w{i}" for i in range(6000)]
    paragraphs = [" ".join(words[i:i + 60]) for i in range(0, 6000, 60)]
    changed = list(paragraphs)
    changed[10] = changed[10].replace("w610", "CHANGED")
    changed[70] = changed[70].replace("w4230", "ALSO")
    html = "".join(textdiff.text_diff("\n\n".join(paragraphs), "\n\n".join(changed)))
    assert html.count("<ins>") == 2 and html.count("<del>") == 2


# -------------------------------------------------------------------------------------------
# Every route records a revision


def test_a_bulk_import_records_no_revision_and_keeps_each_file_as_read(tmp_path):
    raw = b"Sahel\r\nMinisters met in Niamey\x92s hall.\r\n"  # Windows-1252, as read
    import_file(tmp_path / "feed", raw)
    article = Article.objects.get()

    assert Version.objects.count() == 0  # too slow for an archive: nothing at creation
    original = ImportedOriginal.objects.get(article=article)
    assert bytes(original.content) == raw  # the bytes, not the decoded text
    assert original.format == "text"
    assert original.file_name == "story.txt"
    assert original.fingerprint == article.fingerprint == body_fingerprint(
        ("Ministers met in Niamey’s hall.",))


def test_an_archive_parsed_in_worker_processes_keeps_every_original(tmp_path):
    folder = tmp_path / "archive"
    folder.mkdir()
    texts = {f"{i}.txt": f"Sahel\nStory number {i} about the ministers.\n" for i in range(3)}
    for name, text in texts.items():
        (folder / name).write_text(text)
    report = import_paths([folder], relative_to=folder, source_name="Wire", workers=1)
    assert report.totals["created"] == 3
    kept = {o.file_name: bytes(o.content) for o in ImportedOriginal.objects.all()}
    assert kept == {name: text.encode() for name, text in texts.items()}


def test_an_editors_admin_save_records_the_article_its_sidebar_tags_and_corrections(editor):
    article = make_article("Ministers meet", tags=["Mali"])
    make_link(article, title="A video", kind=RelatedLink.Kind.VIDEO)
    Correction.objects.create(article=article, note="The date was wrong.")
    client = logged_in(editor)

    data = form_data(client, article, body="A new lead.\n\nA second paragraph.",
                     tags="Mali, Niger")
    data["related_links-0-title"] = "A renamed video"
    response = client.post(change_url(article), data)
    assert response.status_code == 302

    # Written by the ORM, as the import does: first its state before the change.
    as_it_stood, version = revisions_of(article)
    assert as_it_stood.revision.comment == "As imported"
    assert as_it_stood.field_dict["body"] != version.field_dict["body"]
    assert version.revision.user == editor
    assert "Changed" in version.revision.comment and "Body" in version.revision.comment
    assert version.field_dict["body"] == "A new lead.\n\nA second paragraph."
    links, tags, corrections = parts_in(version)
    assert [link["title"] for link in links] == ["A renamed video"]
    assert len(tags) == 2
    assert [c["note"] for c in corrections] == ["The date was wrong."]


def test_a_reporters_save_of_a_draft_records_a_revision(reporter):
    article = make_article("A draft", status=Article.Status.DRAFT)
    client = logged_in(reporter)
    response = client.post(change_url(article), form_data(client, article, kicker="Niger"))
    assert response.status_code == 302
    version = revisions_of(article)[-1]
    assert version.revision.user == reporter
    assert version.field_dict["kicker"] == "Niger"


def test_adding_an_article_on_the_desk_records_its_first_revision(editor):
    client = logged_in(editor)
    source = make_article().source
    response = client.post(reverse("admin:articles_article_add"), {
        "headline": "Written on the desk", "slug": "written-on-the-desk", "body": "A lead.",
        "source": source.pk, "language": "en", "status": "draft", "tags": "",
        "related_links-TOTAL_FORMS": "0", "related_links-INITIAL_FORMS": "0",
        "corrections-TOTAL_FORMS": "0", "corrections-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get(slug="written-on-the-desk")
    assert comments(article) == ["Added."]


def test_an_imports_update_records_the_state_as_imported_then_the_reimport(tmp_path):
    import_file(tmp_path / "a", FIRST, status="draft")
    article = Article.objects.get()
    report = import_file(tmp_path / "b", SECOND, status="draft", name="again.txt")
    assert report.totals["updated"] == 1

    first, second = revisions_of(article)
    assert first.revision.comment == "As imported"
    assert "Monday" in first.field_dict["body"]
    assert second.revision.comment == "re-import from again.txt"
    assert "Tuesday" in second.field_dict["body"]
    assert second.revision.user is None  # a scheduled import: no one
    links, _, _ = parts_in(second)
    assert [link["duration_seconds"] for link in links] == [91]
    # The latest original replaced the first.
    assert [o.file_name for o in article.originals.all()] == ["again.txt"]


def test_an_upload_from_the_desk_records_who_imported_the_update(tmp_path, editor):
    from articles.ingest.importer import import_uploads
    from articles.ingest.uploads import Upload

    import_file(tmp_path / "a", FIRST, status="draft")
    manifest = (tmp_path / "a" / "manifest.toml").read_bytes()
    import_uploads([Upload("story.txt", SECOND.encode()), Upload("manifest.toml", manifest)],
                   editor)
    article = Article.objects.get()
    assert [v.revision.user for v in revisions_of(article)] == [None, editor]


@pytest.mark.parametrize(("action", "status", "after", "comment"), [
    ("publish_selected", Article.Status.REVIEW, Article.Status.PUBLISHED, "Published."),
    ("unpublish_selected", Article.Status.PUBLISHED, Article.Status.UNPUBLISHED,
     "Unpublished."),
    ("submit_for_review", Article.Status.DRAFT, Article.Status.REVIEW,
     "Submitted for review."),
])
def test_each_bulk_action_records_a_revision_of_each_article_it_changed(
        editor, tmp_path, action, status, after, comment):
    import_file(tmp_path / "a", FIRST, status="draft")
    imported = Article.objects.get()
    Article.objects.filter(pk=imported.pk).update(status=status)
    other = make_article("Another", status=status)
    response = logged_in(editor).post(reverse("admin:articles_article_changelist"), {
        "action": action, "_selected_action": [imported.pk, other.pk]})
    assert response.status_code == 302

    assert Article.objects.get(pk=imported.pk).status == after
    # The imported one is first recorded as imported, with the status it had.
    as_imported, changed = revisions_of(imported)
    assert as_imported.revision.comment == "As imported"
    assert as_imported.field_dict["status"] == status
    assert (changed.revision.comment, changed.revision.user) == (comment, editor)
    assert changed.field_dict["status"] == after
    assert revisions_of(other)[-1].revision == changed.revision  # one for the action


def test_the_history_of_an_article_in_a_bulk_revision_shows_only_its_own_parts(editor):
    one = make_article("One", status=Article.Status.REVIEW)
    two = make_article("Two", status=Article.Status.REVIEW)
    for article in (one, two):
        make_link(article, teaser=f"Teaser of {article.headline}")
    logged_in(editor).post(reverse("admin:articles_article_changelist"), {
        "action": "publish_selected", "_selected_action": [one.pk, two.pk]})
    page = logged_in(editor).get(history_url(one)).content.decode()
    assert "Teaser of One" not in page  # unchanged: no difference shown
    assert "Teaser of Two" not in page
    assert "<del>Ready for review</del><ins>Published</ins>" in page


def test_a_workflow_change_and_a_save_of_the_form_are_one_revision_each(editor):
    article = make_article("Ministers meet", status=Article.Status.DRAFT)
    client = logged_in(editor)
    client.post(change_url(article), form_data(client, article, kicker="Mali"))
    client.post(reverse("admin:articles_article_changelist"), {
        "action": "submit_for_review", "_selected_action": [article.pk]})
    assert comments(article) == ["As imported", "Changed Kicker.", "Submitted for review."]


# -------------------------------------------------------------------------------------------
# The history page


def test_the_history_of_an_imported_article_starts_with_its_imported_original(
        tmp_path, reporter):
    import_file(tmp_path / "a", FIRST, status="draft")
    article = Article.objects.get()
    page = logged_in(reporter).get(history_url(article)).content.decode()
    assert "Revision #0" in page
    assert "Imported from story.txt on" in page
    assert reverse("admin:articles_article_original", args=[article.pk]) in page


def test_the_history_shows_each_revision_with_its_words_changed_newest_first(
        tmp_path, editor):
    import_file(tmp_path / "a", FIRST, status="draft")
    article = Article.objects.get()
    client = logged_in(editor)
    client.post(change_url(article), form_data(
        client, article, body=article.body.replace("Monday", "<b>Friday</b>"),
        tags="Sahel, Mali"))

    page = client.get(history_url(article)).content.decode()
    newest, oldest = page.index("Revision #1"), page.index("Revision #0")
    assert newest < oldest
    assert "Imported from story.txt on" in page
    assert "<del>Monday </del><ins>&lt;b&gt;Friday&lt;/b&gt; </ins>" in page
    assert "<b>Friday</b>" not in page  # escaped, never markup
    assert "<ins>Mali</ins>" in page  # the tag added
    assert "editor" in page[newest:oldest]


def test_the_history_shows_sidebar_items_changed(tmp_path, editor):
    import_file(tmp_path / "a", FIRST, status="draft")
    article = Article.objects.get()
    client = logged_in(editor)
    data = form_data(client, article)
    data["related_links-0-title"] = "Alliance of Sahel States puts on a show of unity"
    client.post(change_url(article), data)
    page = client.get(history_url(article)).content.decode()
    assert "Sidebar" in page
    assert "on <ins>a </ins>show" in page


def test_the_change_form_links_to_the_history_and_the_original(tmp_path, reporter):
    import_file(tmp_path / "a", FIRST, status="draft")
    article = Article.objects.get()
    page = logged_in(reporter).get(change_url(article)).content.decode()
    assert history_url(article) in page
    assert reverse("admin:articles_article_original", args=[article.pk]) in page
    assert "desk/revisions.css" in page


# -------------------------------------------------------------------------------------------
# Restoring


def test_an_editor_restores_an_earlier_revision_without_its_status_or_time(tmp_path, editor):
    import_file(tmp_path / "a", FIRST, status="draft")
    article = Article.objects.get()
    client = logged_in(editor)
    client.post(change_url(article), form_data(client, article, body="Rewritten.",
                                               tags="Mali"))
    data = form_data(client, article)
    data["related_links-0-DELETE"] = "on"
    client.post(change_url(article), data)
    published_at = article.published_at - timedelta(days=3)
    Article.objects.filter(pk=article.pk).update(status=Article.Status.PUBLISHED,
                                                 published_at=published_at)
    as_imported = revisions_of(article)[0]
    assert as_imported.revision.comment == "As imported"

    response = client.post(reverse("admin:articles_article_history_restore",
                                   args=[article.pk, as_imported.pk]))
    assert response.status_code == 302

    article.refresh_from_db()
    assert article.body.startswith("Ministers met in Niamey on Monday")
    assert article.lead.startswith("Ministers met in Niamey on Monday")  # derived, too
    assert [link.title for link in article.related_links.all()] == [
        "Alliance of Sahel States puts on show of unity"]
    assert [tag.name for tag in article.tags_by_name()] == ["Sahel"]
    assert (article.status, article.published_at) == (Article.Status.PUBLISHED, published_at)
    latest = revisions_of(article)[-1]
    assert (latest.revision.comment, latest.revision.user) == ("Restored revision #0", editor)
    assert latest.field_dict["body"] == article.body


def test_a_restore_tells_the_page_cache(tmp_path, editor, told):
    article = make_article("Ministers meet")
    client = logged_in(editor)
    client.post(change_url(article), form_data(client, article, body="Rewritten."))
    client.post(change_url(article), form_data(client, article, body="Rewritten again."))
    first = revisions_of(article)[0]
    told.clear()
    client.post(reverse("admin:articles_article_history_restore", args=[article.pk, first.pk]))
    assert article.pk in told


def test_a_restore_of_another_articles_revision_is_not_found(editor):
    one, two = make_article("One"), make_article("Two")
    client = logged_in(editor)
    client.post(change_url(two), form_data(client, two, body="Changed."))
    version = revisions_of(two)[0]
    response = client.post(reverse("admin:articles_article_history_restore",
                                   args=[one.pk, version.pk]))
    assert response.status_code == 404


# -------------------------------------------------------------------------------------------
# Pending versions


def held_article(tmp_path):
    """A published article, and a re-import of it with other text: held."""
    import_file(tmp_path / "a", FIRST)
    report = import_file(tmp_path / "b", SECOND, name="again.txt")
    assert report.totals["held"] == 1
    return Article.objects.get(), report


def test_a_reimport_of_a_published_story_waits_as_a_pending_version(tmp_path):
    article, report = held_article(tmp_path)
    assert report.held[0].reason == ("held for an editor: the article is published; a pending "
                                     "version waits on the article's page")
    assert "Monday" in article.body  # the live text stays
    pending = PendingVersion.objects.get()
    assert (pending.article, pending.state) == (article, "pending")
    assert "Tuesday" in pending.body and pending.kicker == "Sahel"
    assert [link["duration_seconds"] for link in pending.links] == [91]
    assert pending.tags == ["Sahel"]
    assert bytes(pending.original.content) == SECOND.encode()
    assert pending.original.file_name == "again.txt"
    # The live original stays beside it.
    assert sorted(o.file_name for o in article.originals.all()) == ["again.txt", "story.txt"]


def test_the_same_content_again_adds_no_second_pending_version_other_content_replaces_it(
        tmp_path):
    held_article(tmp_path)
    import_file(tmp_path / "c", SECOND, name="once-more.txt")
    assert PendingVersion.objects.count() == 1
    report = import_file(tmp_path / "d", THIRD, name="third.txt")
    assert report.totals["held"] == 1
    pending = PendingVersion.objects.get()
    assert "Wednesday" in pending.body
    assert ImportedOriginal.objects.filter(file_name="again.txt").count() == 0


def test_a_dry_run_keeps_no_pending_version(tmp_path):
    import_file(tmp_path / "a", FIRST)
    report = import_file(tmp_path / "b", SECOND, dry_run=True)
    assert report.totals["held"] == 1
    assert PendingVersion.objects.count() == 0


def test_the_change_form_says_a_new_version_waits_with_its_diff(tmp_path, editor):
    article, _ = held_article(tmp_path)
    page = logged_in(editor).get(change_url(article)).content.decode()
    assert "A new version of this story was imported on" in page
    assert "review it" in page
    assert "<del>Monday </del><ins>Tuesday </ins>" in page
    assert "<ins>A second meeting is planned for May.</ins>" in page
    assert "Accept the new version" in page and "Dismiss it" in page


def test_a_form_sent_back_with_errors_still_shows_the_pending_version_and_the_original(
        tmp_path, editor):
    article, _ = held_article(tmp_path)
    client = logged_in(editor)
    response = client.post(change_url(article), form_data(client, article, headline=""))
    assert response.status_code == 200  # shown again, with the error
    page = response.content.decode()
    assert "This field is required." in page
    assert "A new version of this story was imported on" in page
    assert reverse("admin:articles_article_original", args=[article.pk]) in page


def test_a_reporter_sees_the_pending_version_without_the_buttons(tmp_path, reporter):
    article, _ = held_article(tmp_path)
    client = logged_in(reporter)
    page = client.get(change_url(article)).content.decode()
    assert "A new version of this story was imported on" in page
    assert "Accept the new version" not in page and "Dismiss it" not in page
    pending = PendingVersion.objects.get()
    page = client.get(reverse("admin:articles_article_pending",
                              args=[article.pk, pending.pk])).content.decode()
    assert "<del>Monday </del><ins>Tuesday </ins>" in page
    assert "Accept the new version" not in page


def test_an_editor_accepts_a_pending_version(tmp_path, editor, told):
    article, _ = held_article(tmp_path)
    pending = PendingVersion.objects.get()
    told.clear()
    response = logged_in(editor).post(reverse("admin:articles_article_pending_accept",
                                          args=[article.pk, pending.pk]))
    assert response.status_code == 302

    article.refresh_from_db()
    assert "Tuesday" in article.body and "May" in article.body
    assert article.status == Article.Status.PUBLISHED  # the status and slug stay
    assert [link.duration_seconds for link in article.related_links.all()] == [91]
    assert article.pk in told  # the page cache is told
    pending.refresh_from_db()
    assert (pending.state, pending.decided_by) == ("accepted", editor)
    as_imported, accepted = revisions_of(article)
    assert as_imported.revision.comment == "As imported"
    assert accepted.revision.comment.startswith("Accepted the version imported from again.txt")
    assert accepted.revision.user == editor
    assert [o.file_name for o in article.originals.all()] == ["again.txt"]
    # The accepted file imported again is nothing new.
    report = import_file(tmp_path / "c", SECOND, name="again.txt")
    assert report.totals["unchanged"] == 1


def test_an_editor_dismisses_a_pending_version_which_stays_in_the_history(tmp_path, editor):
    article, _ = held_article(tmp_path)
    pending = PendingVersion.objects.get()
    client = logged_in(editor)
    response = client.post(reverse("admin:articles_article_pending_dismiss",
                                   args=[article.pk, pending.pk]))
    assert response.status_code == 302

    article.refresh_from_db()
    assert "Monday" in article.body
    pending.refresh_from_db()
    assert pending.state == "dismissed"
    assert "A new version" not in client.get(change_url(article)).content.decode()
    page = client.get(history_url(article)).content.decode()
    assert "Dismissed the version imported from again.txt" in page
    assert "<del>Monday </del><ins>Tuesday </ins>" in page
    # The same file again: held, and no new version to review.
    report = import_file(tmp_path / "c", SECOND, name="again.txt")
    assert report.totals["held"] == 1
    assert "an editor dismissed this version on" in report.held[0].reason
    assert not PendingVersion.objects.waiting().exists()


def test_a_decided_version_cannot_be_decided_again(tmp_path, editor):
    article, _ = held_article(tmp_path)
    pending = PendingVersion.objects.get()
    client = logged_in(editor)
    client.post(reverse("admin:articles_article_pending_dismiss", args=[article.pk, pending.pk]))
    response = client.post(reverse("admin:articles_article_pending_accept",
                                   args=[article.pk, pending.pk]), follow=True)
    assert "Nothing done" in response.content.decode()
    article.refresh_from_db()
    assert "Monday" in article.body


# -------------------------------------------------------------------------------------------
# The imported original


def test_the_original_page_shows_the_file_beside_the_story_and_what_changed(
        tmp_path, reporter, editor):
    import_file(tmp_path / "a", FIRST.replace("Monday", "Monday <script>"), status="draft")
    article = Article.objects.get()
    client = logged_in(editor)
    client.post(change_url(article), form_data(
        client, article, body=article.body.replace("three hours", "four hours")))

    page = logged_in(reporter).get(reverse("admin:articles_article_original",
                                       args=[article.pk])).content.decode()
    assert "story.txt" in page and "Scraped text file" in page
    assert article.fingerprint in page
    assert "Monday &lt;script&gt;" in page and "<script>" not in page.split("</head>")[1]
    assert "<del>three </del><ins>four </ins>" in page
    assert "The file as read" in page and "The story now" in page


def test_an_article_written_on_the_desk_has_no_original(editor):
    article = make_article("Written here")
    response = logged_in(editor).get(reverse("admin:articles_article_original", args=[article.pk]))
    assert response.status_code == 404
    assert "Imported original" not in logged_in(editor).get(change_url(article)).content.decode()


# -------------------------------------------------------------------------------------------
# Who may do what


ROLES = ("editor", "reporter", "viewer", "anonymous")


@pytest.fixture
def client_as(editor, reporter, viewer):
    users = {"editor": editor, "reporter": reporter, "viewer": viewer}

    def make(role):
        return Client() if role == "anonymous" else logged_in(users[role])

    return make


@pytest.fixture
def desk(tmp_path, editor):
    """A held article with a revision to restore, and the addresses of every new route."""
    article, _ = held_article(tmp_path)
    client = logged_in(editor)
    client.post(change_url(article), form_data(client, article, kicker="Mali"))
    pending = PendingVersion.objects.get()
    version = revisions_of(article)[0]
    return {
        "article": article, "pending": pending,
        "history": history_url(article),
        "original": reverse("admin:articles_article_original", args=[article.pk]),
        "pending_page": reverse("admin:articles_article_pending",
                                args=[article.pk, pending.pk]),
        "restore": reverse("admin:articles_article_history_restore",
                           args=[article.pk, version.pk]),
        "accept": reverse("admin:articles_article_pending_accept",
                          args=[article.pk, pending.pk]),
        "dismiss": reverse("admin:articles_article_pending_dismiss",
                           args=[article.pk, pending.pk]),
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ["history", "original", "pending_page"])
def test_who_may_read_the_history_the_original_and_the_pending_version(
        desk, client_as, role, page):
    response = client_as(role).get(desk[page])
    if role == "anonymous":
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    else:  # reporters and anyone who may view articles
        assert response.status_code == 200


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ["restore", "accept", "dismiss"])
def test_only_editors_restore_accept_or_dismiss(desk, client_as, role, route):
    article = desk["article"]
    before = (Article.objects.get(pk=article.pk).body, Version.objects.count(),
              PendingVersion.objects.get().state)
    response = client_as(role).post(desk[route])
    after = (Article.objects.get(pk=article.pk).body, Version.objects.count(),
             PendingVersion.objects.get().state)
    if role == "editor":
        assert response.status_code == 302
        assert after != before
    else:
        assert response.status_code == (302 if role == "anonymous" else 403)
        assert after == before


@pytest.mark.parametrize("route", ["restore", "accept", "dismiss"])
def test_restore_accept_and_dismiss_take_a_post_only_with_its_token(desk, editor, route):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert client.get(desk[route]).status_code == 405
    assert client.post(desk[route]).status_code == 403  # no CSRF token
    assert PendingVersion.objects.get().state == "pending"


def test_the_history_shows_restore_buttons_to_editors_only(desk, client_as):
    assert "Restore this version" in client_as("editor").get(desk["history"]).content.decode()
    for role in ("reporter", "viewer"):
        assert "Restore this version" not in client_as(role).get(
            desk["history"]).content.decode()
