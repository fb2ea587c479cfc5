"""Browser imports as background jobs: the upload answers at once with the job's page, the
worker (`manage.py run_jobs`) imports it, and the page, its JSON and the job list show it to
those who may see it. A job outlives a worker that stops; IMPORT_JOBS=inline keeps the import
in the request."""

import io
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles import jobs
from articles.ingest.uploads import KINDS
from articles.models import Article, ImportJob, RelatedLink
from tests.admin_helpers import logged_in
from tests.job_helpers import (
    IMPORT,
    JOBS,
    ROOT,
    SEED_NAMES,
    SharedDatabase,
    archive,
    job_page,
    progress_url,
    staff,
)

# Real transactions: the worker closes a connection it finds inside a transaction (Django's
# close_old_connections), which would end a test's own.
pytestmark = pytest.mark.django_db(transaction=True)

SEEDS_SUMMARY = "2 files: 2 created, 0 updated, 0 unchanged, 0 skipped, 0 held, 0 failed."


@pytest.fixture
def background(settings, tmp_path):
    settings.IMPORT_JOBS = "background"
    settings.IMPORT_JOBS_DIR = tmp_path / "jobs"
    return settings.IMPORT_JOBS_DIR


@pytest.fixture
def editor():
    return staff("editor", "Editor")


def seed_files(seeds_dir):
    return [SimpleUploadedFile(name, (seeds_dir / name).read_bytes()) for name in SEED_NAMES]


def upload(client, files, **fields):
    return client.post(IMPORT, {"files": files, **fields})


def run_jobs(*args):
    out = io.StringIO()
    call_command("run_jobs", "--once", *args, stdout=out, stderr=io.StringIO(), verbosity=0)
    return out.getvalue()


def folders(path):
    return sorted(p.name for p in path.iterdir()) if path.exists() else []


# -------------------------------------------------------------------------------------------
# The life of a job


def test_an_upload_answers_at_once_and_the_worker_imports_it(background, editor, seeds_dir):
    client = logged_in(editor)

    response = upload(client, seed_files(seeds_dir), publish="on")

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job_page(job.pk)
    assert Article.objects.count() == 0  # nothing is imported in the request
    assert (job.user, job.state, job.files_total, job.files_done) == (
        editor, ImportJob.State.QUEUED, 2, 0)
    assert [u["name"] for u in job.uploads] == list(SEED_NAMES)
    assert folders(background) == [job.folder]  # the files wait for the worker there
    page = client.get(job_page(job.pk)).content.decode()
    assert "Waiting for the job worker" in page
    assert 'max="2" value="0"' in page
    assert client.get(progress_url(job.pk)).json() == {
        "state": "queued", "state_label": "Queued", "finished": False, "files_done": 0,
        "files_total": 2, "attempts": 0}

    run_jobs()

    job.refresh_from_db()
    assert (job.state, job.files_done, job.created, job.failed, job.attempts) == (
        ImportJob.State.DONE, 2, 2, 0, 1)
    assert job.started_at <= job.finished_at
    assert set(Article.objects.values_list("status", flat=True)) == {"published"}
    assert RelatedLink.objects.count() == 12
    assert folders(background) == []  # removed with the job's end
    assert client.get(progress_url(job.pk)).json()["finished"] is True
    page = client.get(job_page(job.pk)).content.decode()
    assert SEEDS_SUMMARY in page
    for article in Article.objects.all():
        assert f'<a href="/admin/articles/article/{article.pk}/change/">' in page
    assert DBTaskResult.objects.get(id=job.task_id).status == "SUCCESSFUL"


def test_a_job_updating_a_draft_names_its_uploader_in_the_revision(background, editor):
    from reversion.models import Version

    manifest = SimpleUploadedFile("manifest.toml", b'[[source]]\nkey = "wire"\nname = "Wire"\n'
                                  b'[[article]]\nfile = "story.txt"\nsource = "wire"\n'
                                  b'url = "https://example.com/story"\nstatus = "draft"\n')
    client = logged_in(editor)
    for body in (b"Kicker\nThe first version of the story.\n",
                 b"Kicker\nThe second version of the story.\n"):
        manifest.seek(0)
        upload(client, [SimpleUploadedFile("story.txt", body), manifest])
        run_jobs()

    article = Article.objects.get()
    assert article.body == "The second version of the story."
    versions = Version.objects.get_for_object(article).order_by("revision__date_created")
    # The state as first imported, then the re-import, by the editor who uploaded it.
    assert [v.revision.user for v in versions] == [None, editor]


def test_the_job_page_shows_the_same_report_as_an_import_in_the_request(
        background, editor, seeds_dir, settings):
    def files():
        return [*seed_files(seeds_dir), SimpleUploadedFile("short.txt", b"Only a kicker\n")]

    def untimed(summary):
        return re.sub(r"in [0-9.]+ s", "in … s", summary)

    upload(logged_in(editor), files(), source="Wire")
    run_jobs()
    background_page = logged_in(editor).get(job_page(ImportJob.objects.get().pk))

    Article.objects.all().delete()
    settings.IMPORT_JOBS = "inline"
    inline = upload(logged_in(editor), files(), source="Wire")

    report = inline.context["report"]
    assert (untimed(background_page.context["report"].summary())
            == untimed(report.summary()))
    assert ([(r.name, r.status, r.reason) for r in background_page.context["report"].results]
            == [(r.name, r.status, r.reason) for r in report.results])
    assert "no body paragraphs" in background_page.content.decode()


def test_a_refused_upload_answers_on_the_form_and_queues_nothing(background, editor,
                                                                 seeds_dir):
    files = [*seed_files(seeds_dir), SimpleUploadedFile("tool.exe", b"MZ\x90\x00")]

    response = upload(logged_in(editor), files)

    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["files"])
    assert f"tool.exe: only article files ({KINDS})" in errors
    assert not ImportJob.objects.exists()
    assert not DBTaskResult.objects.exists()
    assert folders(background) == []


def test_members_of_a_zip_not_imported_and_warnings_are_lines_of_the_job(background, editor,
                                                                        seeds_dir):
    data = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(data, "w") as zipped:
        for name in SEED_NAMES:
            text = (seeds_dir / name).read_bytes()
            if name == "manifest.toml":
                text += b'\n[[article]]\nfile = "gone.txt"\nsource = "africanews"\n'
            zipped.writestr(name, text)
        zipped.writestr("photo.jpg", b"\xff\xd8")
    client = logged_in(editor)
    upload(client, [SimpleUploadedFile("upload.zip", data.getvalue())])
    run_jobs()

    job = ImportJob.objects.get()
    assert (job.created, job.failed, job.warnings, job.files_done) == (2, 1, 1, 3)
    report = client.get(job_page(job.pk)).context["report"]
    assert [str(r) for r in report.failures] == [
        f"upload.zip: photo.jpg: only article files ({KINDS}) and manifest.toml are imported "
        "from a zip; not imported"]
    assert [str(w) for w in report.warnings] == [
        f"manifest.toml:{w.line}: no file gone.txt in this folder" for w in report.warnings]
    assert "1 warning." in report.summary()


def test_a_dry_run_in_the_background_writes_nothing(background, editor, seeds_dir):
    upload(logged_in(editor), seed_files(seeds_dir), dry_run="on")
    run_jobs()

    job = ImportJob.objects.get()
    assert (job.state, job.created) == (ImportJob.State.DONE, 2)
    assert Article.objects.count() == 0
    page = logged_in(editor).get(job_page(job.pk)).content.decode()
    assert "Dry run: nothing was written" in page
    table = page.split('class="import-results"')[1].split("</table>")[0]
    assert "/change/" not in table  # no link to an article that was rolled back


def test_a_reporter_who_may_import_cannot_publish_through_a_job(background, seeds_dir):
    reporter = staff("importer", "Reporter", may_import=True)
    upload(logged_in(reporter), seed_files(seeds_dir), publish="on")  # not offered, and sent
    run_jobs()
    # The manifest says "published": a reporter's import leaves them for review.
    assert set(Article.objects.values_list("status", flat=True)) == {"review"}


def test_only_the_first_files_are_all_listed_then_those_to_look_at(background, editor,
                                                                   monkeypatch):
    monkeypatch.setattr(jobs, "LISTED_FILES", 3)
    files = [SimpleUploadedFile("a.zip", archive(5)),
             SimpleUploadedFile("empty.txt", b"")]
    upload(logged_in(editor), files)
    run_jobs()

    job = ImportJob.objects.get()
    entries = list(job.entries.values_list("position", "status"))
    # The order is the import's: the loose file, then the zip's files in name order.
    assert entries == [(0, "failed"), (1, "created"), (2, "created")]
    assert (job.files_done, job.created, job.failed) == (6, 5, 1)
    page = logged_in(editor).get(job_page(job.pk)).content.decode()
    assert "The table lists the first 3 files, then only those failed, skipped or held." in page


def test_the_job_list_shows_who_imported_what_when_with_its_outcome(background, editor,
                                                                   seeds_dir):
    client = logged_in(editor)
    upload(client, seed_files(seeds_dir))
    run_jobs()
    upload(client, [SimpleUploadedFile("more.zip", archive(2))])

    page = client.get(JOBS).content.decode()

    done, queued = ImportJob.objects.order_by("pk")
    assert "Import job" in page and "editor" in page
    assert "000_0c50d9fd883dd018.txt (" in page and "more.zip (" in page
    assert "2 created" in page
    assert "Queued: 0 of 2 files" in page
    assert page.index(f"{JOBS}{queued.pk}/change/") < page.index(f"{JOBS}{done.pk}/change/")


# -------------------------------------------------------------------------------------------
# IMPORT_JOBS=inline


def test_inline_imports_in_the_request_as_before(settings, editor, seeds_dir, tmp_path):
    settings.IMPORT_JOBS = "inline"
    settings.IMPORT_JOBS_DIR = tmp_path / "jobs"

    response = upload(logged_in(editor), seed_files(seeds_dir))

    assert response.status_code == 200
    assert response.context["report"].summary().startswith(SEEDS_SUMMARY)
    assert Article.objects.count() == 2
    assert not ImportJob.objects.exists()
    assert not DBTaskResult.objects.exists()
    assert folders(tmp_path / "jobs") == []


@pytest.mark.parametrize(("value", "ok"), [("inline", True), ("background", True),
                                           ("sideways", False)])
def test_the_setting_takes_background_or_inline(value, ok):
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import "
                               "settings; print(settings.IMPORT_JOBS)"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "newsroom.settings.dev",
             "IMPORT_JOBS": value})
    if ok:
        assert done.stdout.strip() == value, done.stderr
    else:
        assert done.returncode != 0
        assert "IMPORT_JOBS must be background or inline, not 'sideways'" in done.stderr


def test_the_default_is_background():
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import "
                               "settings; print(settings.IMPORT_JOBS, settings.IMPORT_JOBS_DIR)"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "newsroom.settings.dev"})
    assert done.stdout.split() == ["background", str(ROOT / "import-jobs")]


# -------------------------------------------------------------------------------------------
# Who may see a job


@pytest.fixture
def people():
    return {
        "owner": staff("owner", "Reporter", may_import=True),
        "other reporter": staff("other", "Reporter", may_import=True),
        "editor": staff("editor", "Editor"),
        "no import permission": staff("plain", "Reporter"),
    }


@pytest.fixture
def owned_job(background, people, seeds_dir):
    upload(logged_in(people["owner"]), seed_files(seeds_dir))
    return ImportJob.objects.get()


@pytest.mark.parametrize(("who", "page", "json"), [
    ("owner", 200, 200),
    ("editor", 200, 200),
    ("other reporter", 403, 403),
    ("no import permission", 403, 403),
])
def test_who_may_see_a_job_page_and_its_progress(owned_job, people, who, page, json):
    client = logged_in(people[who])
    assert client.get(job_page(owned_job.pk)).status_code == page
    response = client.get(progress_url(owned_job.pk))
    assert response.status_code == json
    if json == 200:
        assert response.json()["files_total"] == 2
        assert "no-store" in response["Cache-Control"]


def test_anonymous_is_sent_to_the_login_page(owned_job):
    for url in (job_page(owned_job.pk), progress_url(owned_job.pk), JOBS):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_a_reader_who_is_not_staff_is_sent_to_the_login_page(owned_job):
    reader = get_user_model().objects.create_user("reader")
    for url in (job_page(owned_job.pk), progress_url(owned_job.pk), JOBS):
        response = logged_in(reader).get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize(("who", "status", "sees_it"), [
    ("owner", 200, True),
    ("editor", 200, True),
    ("other reporter", 200, False),
    ("no import permission", 403, False),
])
def test_the_job_list_shows_each_their_own_and_editors_all(owned_job, people, who, status,
                                                           sees_it):
    response = logged_in(people[who]).get(JOBS)
    assert response.status_code == status
    assert (job_page(owned_job.pk) in response.content.decode()) is sees_it


def test_a_missing_job_is_not_found(background, editor):
    assert logged_in(editor).get(job_page(12345)).status_code == 404
    assert logged_in(editor).get(progress_url(12345)).status_code == 404


@pytest.mark.parametrize("route", ["add/", "{pk}/delete/"])
def test_nobody_adds_or_deletes_a_job_by_hand(owned_job, people, route):
    client = logged_in(people["editor"])
    url = JOBS + route.format(pk=owned_job.pk)
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert ImportJob.objects.filter(pk=owned_job.pk).exists()


def test_the_index_lists_jobs_only_for_those_who_may_import(people):
    assert "Import jobs" in logged_in(people["owner"]).get("/admin/").content.decode()
    assert "Import jobs" not in logged_in(
        people["no import permission"]).get("/admin/").content.decode()


# -------------------------------------------------------------------------------------------
# Workers that stop


def running_on(job, worker, *, heartbeat=None, state=ImportJob.State.RUNNING):
    """The job as a worker that claimed its task left it."""
    DBTaskResult.objects.filter(id=job.task_id).update(status="RUNNING",
                                                       worker_ids=[worker],
                                                       started_at=timezone.now())
    ImportJob.objects.filter(pk=job.pk).update(state=state, worker=worker, attempts=1,
                                               heartbeat=heartbeat or timezone.now())


def test_a_job_whose_worker_died_on_this_host_is_queued_again_at_once(owned_job):
    here = jobs.worker_id().rsplit(":", 1)[0]
    running_on(owned_job, f"{here}:4242")
    old_task = owned_job.task_id

    assert jobs.requeue_stalled(alive=lambda pid: pid != 4242) == [owned_job]

    owned_job.refresh_from_db()
    assert owned_job.state == ImportJob.State.QUEUED
    assert owned_job.task_id != old_task
    failed = DBTaskResult.objects.get(id=old_task)
    assert failed.status == "FAILED"
    assert "stopped during this task" in failed.traceback
    assert DBTaskResult.objects.get(id=owned_job.task_id).status == "READY"
    run_jobs()
    owned_job.refresh_from_db()
    assert (owned_job.state, owned_job.created, owned_job.attempts) == ("done", 2, 2)


def test_a_live_worker_keeps_its_job(owned_job):
    here = jobs.worker_id().rsplit(":", 1)[0]
    running_on(owned_job, f"{here}:4242")
    assert jobs.requeue_stalled(alive=lambda pid: True) == []
    running_on(owned_job, "another-host:4242")
    assert jobs.requeue_stalled(alive=lambda pid: False) == []  # not ours to ask
    owned_job.refresh_from_db()
    assert owned_job.state == ImportJob.State.RUNNING


def test_a_worker_on_another_host_silent_too_long_loses_its_job(owned_job):
    running_on(owned_job, "another-host:4242",
               heartbeat=timezone.now() - jobs.STALE_AFTER - timedelta(seconds=1))
    assert jobs.requeue_stalled() == [owned_job]
    owned_job.refresh_from_db()
    assert owned_job.state == ImportJob.State.QUEUED


def test_a_job_interrupted_inside_its_task_is_queued_again(owned_job):
    # A second Ctrl-C stops the task itself: the queue records it failed, the job is not done.
    running_on(owned_job, "another-host:1")
    DBTaskResult.objects.filter(id=owned_job.task_id).update(status="FAILED")
    assert jobs.requeue_stalled() == [owned_job]
    run_jobs()
    owned_job.refresh_from_db()
    assert owned_job.state == ImportJob.State.DONE


def test_the_old_run_of_a_requeued_job_does_not_run_it(owned_job):
    old_task = owned_job.task_id
    running_on(owned_job, "another-host:1", heartbeat=timezone.now() - timedelta(hours=1))
    jobs.requeue_stalled()
    assert jobs.run_job(owned_job.pk, task_id=old_task) == {"ran": False}
    assert Article.objects.count() == 0


def test_a_job_that_keeps_stopping_its_worker_fails(owned_job, background):
    running_on(owned_job, "another-host:1", heartbeat=timezone.now() - timedelta(hours=1))
    ImportJob.objects.filter(pk=owned_job.pk).update(attempts=jobs.MAX_ATTEMPTS)

    assert jobs.requeue_stalled() == [owned_job]

    owned_job.refresh_from_db()
    assert owned_job.state == ImportJob.State.FAILED
    assert "the worker stopped during this import 3 times" in owned_job.error
    assert folders(background) == []
    assert not DBTaskResult.objects.filter(status="READY").exists()


def test_a_job_whose_files_are_gone_fails_with_the_reason(owned_job, background):
    for path in (background / owned_job.folder).iterdir():
        path.unlink()
    (background / owned_job.folder).rmdir()
    run_jobs()
    owned_job.refresh_from_db()
    assert owned_job.state == ImportJob.State.FAILED
    assert "no longer in" in owned_job.error and "IMPORT_JOBS_DIR" in owned_job.error


# -------------------------------------------------------------------------------------------
# Real worker processes


@pytest.fixture
def shared(request, tmp_path):
    return SharedDatabase(request, tmp_path)


JOB = "SELECT state, files_done, files_total, created, unchanged, failed FROM articles_importjob"


@pytest.mark.slow
def test_a_worker_killed_mid_job_leaves_it_to_the_next_without_duplicates(shared, tmp_path):
    count = 4000
    (tmp_path / "archive.zip").write_bytes(archive(count))
    job = shared.queue(tmp_path / "archive.zip")
    worker = shared.start("run_jobs")
    try:
        done = shared.wait_for("SELECT files_done FROM articles_importjob",
                               lambda done: done > 0, process=worker)
    finally:
        worker.kill()  # SIGKILL: no handler runs, the task stays "running" in the queue
        worker.communicate(timeout=30)
    assert done < count, "the job ended before the worker was killed: make it larger"
    assert shared.value("SELECT state FROM articles_importjob") == "running"

    out = shared.manage("run_jobs", "--once")

    assert f"Import job {job}: its worker had stopped; queued again" in out
    state, files_done, files_total, created, unchanged, failed = shared.rows(JOB)[0]
    assert (state, files_done, files_total, failed) == ("done", count, count, 0)
    # Every file once: created by one run or the other (a batch written just before the kill
    # may come out "unchanged" the second time), and no article twice.
    assert created + unchanged == count
    assert shared.value("SELECT COUNT(*) FROM articles_article") == count
    assert shared.value("SELECT COUNT(DISTINCT original_url) FROM articles_article") == count
    positions = shared.rows("SELECT position FROM articles_importjobentry WHERE position "
                            "IS NOT NULL ORDER BY position")
    assert [p for (p,) in positions] == list(range(jobs.LISTED_FILES))
    tasks = shared.rows("SELECT task_path, status FROM django_tasks_database_dbtaskresult "
                        "ORDER BY enqueued_at")
    assert [s for (path, s) in tasks if path == jobs.run_import.module_path] == [
        "FAILED", "SUCCESSFUL"]
    # The archive's stories, grouped by the same worker once the import had ended.
    assert shared.value("SELECT COUNT(*) FROM articles_storyevidence") == count
    assert folders(shared.jobs_dir) == []


@pytest.mark.slow
def test_the_worker_outlives_a_database_locked_past_its_timeout(shared, tmp_path):
    if shared.path is None:
        pytest.skip("SQLite's write lock; PostgreSQL claims with SKIP LOCKED")
    # A one-second lock timeout: a three-second lock outlasts it. (django-tasks-db's own
    # db_worker dies of it with a traceback: its BEGIN is outside its retry.)
    shared.use_settings('DATABASES["default"]["OPTIONS"]["timeout"] = 1  # noqa: F405\n')
    worker = shared.start("run_jobs", "--interval", "0.2")
    said = []
    threading.Thread(target=lambda: said.extend(worker.stderr), daemon=True).start()
    try:
        retried = "The database was locked (database is locked); trying again.\n"
        for _ in range(10):  # until the worker, once started, has met the lock
            lock = sqlite3.connect(shared.path, isolation_level=None)
            lock.execute("BEGIN EXCLUSIVE")
            time.sleep(3)
            lock.execute("COMMIT")
            lock.close()
            assert worker.poll() is None, "".join(said)
            if retried in said:
                break
        assert retried in said
        (tmp_path / "archive.zip").write_bytes(archive(3))
        shared.queue(tmp_path / "archive.zip")
        shared.wait_for("SELECT state FROM articles_importjob",
                        lambda state: state == "done", process=worker)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    assert worker.returncode == 0, "".join(said)
