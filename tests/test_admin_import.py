"""Import from the browser: the desk's import page (files, zips, limits, refusals, reports)."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from articles.ingest.uploads import KINDS
from articles.models import Article, RelatedLink, Source
from tests.admin_helpers import (
    IMPORT,
    SEED_1,
    SEED_2,
    messages_of,
    seed_files,
    summary,
    upload,
)

pytestmark = pytest.mark.django_db


def seeds_zip(seeds_dir, extra=()):
    """The seeds and manifest in a zip, plus `extra` entries: (ZipInfo or name, data)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(seeds_dir.iterdir()):
            archive.writestr(path.name, path.read_bytes())
        for info, data in extra:
            archive.writestr(info, data)
    return buffer.getvalue()


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


@pytest.mark.parametrize(("role", "status"), [("superuser", 200), ("editor", 200),
                                              ("reporter", 403)])
def test_import_page_needs_the_import_permission(client, user_for, role, status):
    client.force_login(user_for(role))
    assert client.get(IMPORT).status_code == status


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


# -------------------------------------------------------------------------------------------
# Refused whole


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
    assert f"tool.exe: only article files ({KINDS})" in refused(upload(as_editor, files))


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
        f"upload.zip: photo.jpg: only article files ({KINDS}) and manifest.toml are imported "
        "from a zip; not imported",
    ]
    assert "a zip inside a zip is not imported" in response.content.decode()
    assert any("2 failed" in message for message in messages_of(response))


# -------------------------------------------------------------------------------------------
# The form as a browser posts it


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
