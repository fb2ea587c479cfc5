"""An editor's path through a story's history and a pending version, in headless Chromium:
the word-level diff, then accepting the new version an import held. Screenshots at 1280 and
360 px wide go to test-artifacts/."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from articles.models import Article, PendingVersion
from articles.workflow import publish
from tests.test_revisions import FIRST, SECOND, THIRD, import_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 780}


@pytest.fixture
def held_story(tmp_path):
    """A story imported, updated by a second import, published, then held: a third file came
    while readers saw it."""
    editor = get_user_model().objects.create_user("desk", "desk@example.com", "a long password",
                                                  is_staff=True)
    editor.groups.add(Group.objects.get(name="Editor"))
    import_file(tmp_path / "a", FIRST, status="draft")
    import_file(tmp_path / "b", SECOND.replace("three hours", "four <long> hours"),
                status="draft", name="again.txt")
    publish(Article.objects.all(), editor)
    import_file(tmp_path / "c", THIRD, name="third.txt")
    assert PendingVersion.objects.count() == 1
    return Article.objects.get()


def log_in(page, live_server, next_path):
    page.goto(f"{live_server.url}/admin/login/?next={next_path}")
    page.get_by_label("Username").fill("desk")
    page.get_by_label("Password").fill("a long password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(re.escape(next_path)))


def test_an_editor_reads_the_diff_and_accepts_the_pending_version(
        held_story, live_server, page, artifacts_dir):
    blocked = []
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)
    change = f"/admin/articles/article/{held_story.pk}/change/"
    page.set_viewport_size(DESKTOP)
    log_in(page, live_server, change)

    panel = page.locator(".desk-pending")
    assert panel.get_by_role("heading", level=2).inner_text().startswith(
        "A new version of this story was imported on")
    assert panel.locator("ins", has_text="Wednesday").is_visible()
    assert panel.locator("del", has_text="Tuesday").is_visible()
    panel.screenshot(path=artifacts_dir / "desk-pending-panel-1280.png")
    page.screenshot(path=artifacts_dir / "desk-change-form-pending-1280.png", full_page=True)
    page.set_viewport_size(PHONE)
    assert panel.bounding_box()["width"] <= PHONE["width"]
    panel.screenshot(path=artifacts_dir / "desk-pending-panel-360.png")

    # The history, from the change form's own link: the second import's change, word by word.
    page.set_viewport_size(DESKTOP)
    page.get_by_role("link", name="History").click()
    page.wait_for_url(re.compile(r"/history/$"))
    revision = page.locator(".desk-revision").filter(has_text="re-import from again.txt")
    assert revision.locator("ins", has_text="four <long>").is_visible()  # escaped: text
    assert revision.locator("del", has_text="three").is_visible()
    assert page.get_by_text("Imported from story.txt on").is_visible()
    assert page.get_by_role("button", name="Restore this version").count() == 2
    page.screenshot(path=artifacts_dir / "desk-history-1280.png", full_page=True)
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.querySelector('.desk-history').scrollWidth") <= PHONE["width"]
    page.screenshot(path=artifacts_dir / "desk-history-360.png", full_page=True)

    # The file as it was read, beside the story.
    page.set_viewport_size(DESKTOP)
    page.get_by_role("link", name="see the file as it was read").click()
    page.wait_for_url(re.compile(r"/original/$"))
    assert "four <long> hours" in page.locator(".desk-original-text").inner_text()
    page.screenshot(path=artifacts_dir / "desk-original-1280.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=artifacts_dir / "desk-original-360.png", full_page=True)

    # Back to the story: accept the new version.
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + change)
    page.get_by_role("button", name="Accept the new version").click()
    page.wait_for_url(re.compile(re.escape(change)))
    assert page.get_by_text("The new version is the live text now.").is_visible()
    assert page.locator(".desk-pending").count() == 0
    held_story.refresh_from_db()
    assert "Wednesday" in held_story.body
    assert PendingVersion.objects.get().state == PendingVersion.State.ACCEPTED
    page.screenshot(path=artifacts_dir / "desk-accepted-1280.png", full_page=True)
    assert blocked == []
