"""An editor uploads an archive in Chromium and watches its job's page follow the import to its
summary, without reloading: a real web server and a real worker, each its own process."""

import re
import secrets
import signal
import socket
import subprocess
import textwrap
import time

import pytest

from tests.conftest import free_port
from tests.job_helpers import SharedDatabase, archive

# Real transactions: the server and the worker write from processes of their own, and only a
# flush after the test removes what they wrote (on PostgreSQL they share the test database).
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 780}
FILES = 4000


@pytest.fixture
def shared(request, tmp_path):
    return SharedDatabase(request, tmp_path)


@pytest.fixture
def server(shared):
    # Static files from the apps' folders, as in development (no collectstatic here).
    shared.use_settings("WHITENOISE_USE_FINDERS = True\n")
    port = free_port()
    process = shared.start("runserver", f"127.0.0.1:{port}", "--noreload")
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError(f"runserver did not start: {process.communicate()}") from None
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    process.send_signal(signal.SIGINT)
    try:
        process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()


@pytest.fixture
def editor_login(shared):
    password = secrets.token_urlsafe(12)
    shared.manage("shell", "-c", textwrap.dedent(f"""\
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        user = get_user_model().objects.create_user("editor", "e@example.com", {password!r},
                                                    is_staff=True)
        user.groups.add(Group.objects.get(name="Editor"))
        """))
    return "editor", password


def until(page, expression, worker, timeout=60):
    """Wait for `expression` to be true on the page. Asked from here: the page's policy
    refuses the eval() that wait_for_function needs."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert worker.poll() is None or worker.returncode == 0, worker.communicate()
        assert time.monotonic() < deadline, f"{expression}: still false after {timeout} s"
        time.sleep(0.05)


def test_the_job_page_follows_an_import_to_its_summary_without_a_reload(
        shared, server, editor_login, page, tmp_path, artifacts_dir):
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    zip_path = tmp_path / "archive.zip"
    zip_path.write_bytes(archive(FILES))
    page.set_viewport_size(DESKTOP)

    page.goto(f"{server}/admin/login/?next=/admin/articles/article/import/")
    page.get_by_label("Username").fill(editor_login[0])
    page.get_by_label("Password").fill(editor_login[1])
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Files").set_input_files(zip_path)
    page.get_by_label("Publish").check()
    page.get_by_role("button", name="Import").click()

    page.wait_for_url(re.compile(r"/admin/articles/importjob/\d+/change/$"))
    assert page.get_by_role("heading", name="Queued").is_visible()
    assert page.locator("#job-progress").get_attribute("max") == str(FILES)
    page.screenshot(path=artifacts_dir / "desk-job-queued-1280.png", full_page=True)
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=artifacts_dir / "desk-job-queued-360.png", full_page=True)
    page.set_viewport_size(DESKTOP)
    page.evaluate("window.sameDocument = true")  # gone if the page is loaded again

    worker = shared.start("run_jobs", "--once")
    try:
        until(page, "document.getElementById('job-progress')?.value > 0", worker)
        assert page.get_by_role("heading", name="Running").is_visible()
        page.screenshot(path=artifacts_dir / "desk-job-running-1280.png", full_page=True)

        summary = page.locator("#import-summary")
        summary.wait_for(timeout=120_000)
        _, err = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, err

    assert page.evaluate("window.sameDocument") is True
    assert summary.inner_text().startswith(
        f"{FILES} files: {FILES} created, 0 updated, 0 unchanged, 0 skipped, 0 held, 0 failed.")
    assert page.get_by_role("heading", name="Done").is_visible()
    assert page.get_by_role("status").filter(has_text="Done").count() == 1  # announced
    assert page.locator(".import-results tbody tr").count() == 1000
    assert (page.locator(".import-results tbody tr").first.get_by_role("link").inner_text()
            == "Story story 0 headline")
    page.screenshot(path=artifacts_dir / "desk-job-done-1280.png")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=artifacts_dir / "desk-job-done-360.png")

    page.goto(f"{server}/admin/articles/importjob/")
    assert page.get_by_role("link", name=re.compile(r"Import job \d+")).count() == 1
    assert page.get_by_text(f"{FILES:,} created").is_visible()
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=artifacts_dir / "desk-job-list-1280.png", full_page=True)
    assert refused == []
