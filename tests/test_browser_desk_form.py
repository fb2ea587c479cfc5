"""The article form in real headless Chromium: the sidebar editor dragged and moved by keyboard,
the workflow buttons by role, and the form's width on a desktop and on a phone."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.ingest.importer import import_paths
from articles.models import Article
from tests.conftest import SEED_000_VIDEO_TITLES
from tests.factories import make_article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 780}


@pytest.fixture
def story(seeds_dir):
    """The first seed, published, with its six related videos (none resolved)."""
    report = import_paths([seeds_dir], publish=True)
    assert report.ok, report.summary()
    return Article.objects.get(related_links__title=SEED_000_VIDEO_TITLES[0])


def log_in(page, live_server, username, group):
    """A desk user of `group`, logged in in `page` (the session of Django's test client)."""
    user = get_user_model().objects.create_user(username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                               "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                               "url": live_server.url}])


@pytest.fixture
def problems(page):
    """What the browser complains of: errors in the console (CSP violations included) and
    uncaught exceptions. The favicon's 404 is not the desk's."""
    seen = []
    page.on("console", lambda message: seen.append(message.text)
            if message.type == "error" and "favicon" not in message.text else None)
    page.on("pageerror", lambda error: seen.append(str(error)))
    return seen


def open_form(page, live_server, article):
    page.goto(live_server.url + reverse("admin:articles_article_change", args=[article.pk]))


def shown_titles(page):
    return page.locator("#related_links-group .desk-link.has_original .field-title input"
                        ).evaluate_all("inputs => inputs.map(input => input.value)")


def stored_titles(article):
    return [link.title for link in article.related_links.for_sidebar()]


def test_an_editor_drags_a_sidebar_item_to_the_top_and_saves(
        story, live_server, page, problems):
    log_in(page, live_server, "editor", "Editor")
    page.set_viewport_size(DESKTOP)
    open_form(page, live_server, story)
    handles = page.locator("#related_links-group .desk-link.has_original > h3")
    assert handles.count() == 6

    # By the mouse: the last item's handle dropped on the first's.
    handles.nth(5).drag_to(handles.nth(0))

    expected = [SEED_000_VIDEO_TITLES[5], *SEED_000_VIDEO_TITLES[:5]]
    assert shown_titles(page) == expected
    one_to_six = ["1", "2", "3", "4", "5", "6"]
    assert page.locator("#related_links-group .has_original input._reorder_").evaluate_all(
        "inputs => inputs.map(input => input.value)") == one_to_six
    assert page.locator(".desk-link.has_original .desk-link__number").all_inner_texts() == (
        one_to_six)

    page.get_by_role("button", name="Save and continue editing").click()
    page.wait_for_load_state()
    assert stored_titles(story) == expected
    assert shown_titles(page) == expected  # the page shows the saved order
    assert problems == []


def test_the_keyboard_moves_an_item_keeps_focus_and_says_where(
        story, live_server, page, problems):
    log_in(page, live_server, "editor", "Editor")
    page.set_viewport_size(DESKTOP)
    open_form(page, live_server, story)
    first = SEED_000_VIDEO_TITLES[0]
    named = first[:59] + "…"  # long titles are cut in the buttons' names
    down = page.get_by_role("button", name=f"Move “{named}” down")
    up = page.get_by_role("button", name=f"Move “{named}” up")
    status = page.locator("#related_links-announce")
    assert up.get_attribute("aria-disabled") == "true"  # already first

    down.focus()
    page.keyboard.press("Enter")
    assert shown_titles(page)[:2] == [SEED_000_VIDEO_TITLES[1], first]
    assert down.evaluate("button => button === document.activeElement")
    page.wait_for_function("() => document.querySelector('#related_links-announce')"
                           ".textContent.includes('to 2 of 6')")
    assert status.text_content() == f"Moved “{named}” to 2 of 6."

    page.keyboard.press("Space")
    assert shown_titles(page)[:3] == [*SEED_000_VIDEO_TITLES[1:3], first]
    assert down.evaluate("button => button === document.activeElement")
    assert up.get_attribute("aria-disabled") == "false"

    # To the end, where "down" can go no further: the focus moves to "up".
    for _ in range(3):
        page.keyboard.press("Enter")
    assert shown_titles(page)[-1] == first
    assert down.get_attribute("aria-disabled") == "true"
    assert up.evaluate("button => button === document.activeElement")
    page.wait_for_function("() => document.querySelector('#related_links-announce')"
                           ".textContent.includes('to 6 of 6')")

    page.get_by_role("button", name="Save and continue editing").click()
    page.wait_for_load_state()
    assert stored_titles(story) == [*SEED_000_VIDEO_TITLES[1:], first]
    assert problems == []


def test_the_more_toggle_opens_the_secondary_fields(story, live_server, page, problems):
    log_in(page, live_server, "editor", "Editor")
    page.set_viewport_size(DESKTOP)
    open_form(page, live_server, story)
    toggle = page.locator("#related_links-0 .desk-more-toggle")
    url = page.locator("#id_related_links-0-url")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not url.is_visible()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert url.is_visible()
    assert problems == []


def test_a_reporter_submits_a_draft_and_an_editor_publishes_it(
        story, live_server, browser, artifacts_dir):
    Article.objects.filter(pk=story.pk).update(status=Article.Status.DRAFT, published_at=None)
    reporter = browser.new_page(viewport=DESKTOP)
    log_in(reporter, live_server, "reporter", "Reporter")
    open_form(reporter, live_server, story)
    row = reporter.locator(".submit-row")
    assert row.get_by_role("button").all_inner_texts() == [
        "Save draft", "Submit for review", "Save and continue editing"]
    assert row.get_by_text("An editor publishes articles that are ready for review.").is_visible()
    row.get_by_role("button", name="Submit for review").click()
    reporter.wait_for_url(re.compile(r"/admin/articles/article/$"))
    assert reporter.get_by_text("is ready for an editor's review.").is_visible()
    assert reporter.locator("#result_list .status--review").first.inner_text() == (
        "Ready for review")

    editor = browser.new_page(viewport=DESKTOP)
    log_in(editor, live_server, "editor", "Editor")
    open_form(editor, live_server, story)
    row = editor.locator(".submit-row")
    assert row.get_by_role("button").all_inner_texts() == [
        "Save", "Back to draft", "Publish", "Save and continue editing"]
    assert row.locator("summary").inner_text() == "Schedule…"
    row.get_by_role("button", name="Publish").click()
    editor.wait_for_url(re.compile(r"/admin/articles/article/$"))
    assert editor.get_by_text("Published: readers see").is_visible()
    story.refresh_from_db()
    assert story.is_public
    editor.locator("#result_list").screenshot(path=artifacts_dir / "desk-list-desktop.png")


def test_an_editor_schedules_with_the_time_it_goes_live(story, live_server, page, problems):
    Article.objects.filter(pk=story.pk).update(status=Article.Status.REVIEW, published_at=None)
    log_in(page, live_server, "editor", "Editor")
    page.set_viewport_size(DESKTOP)
    open_form(page, live_server, story)
    page.locator(".submit-row summary", has_text="Schedule…").click()
    page.get_by_label("Date", exact=True).fill("2031-05-03")
    page.get_by_label("Time", exact=True).fill("10:00:00")
    page.locator(".desk-schedule").get_by_role("button", name="Schedule").click()
    page.wait_for_url(re.compile(r"/admin/articles/article/$"))
    assert page.get_by_text("goes live 3 May 2031, 10:00.").is_visible()
    badge = page.locator("#result_list .status--scheduled").first
    assert badge.inner_text() == "Scheduled 3 May 2031, 10:00"
    story.refresh_from_db()
    assert (story.status, story.is_public) == (Article.Status.PUBLISHED, False)
    assert problems == []


def test_the_change_form_fits_a_desktop_and_a_phone(story, live_server, page, problems,
                                                     artifacts_dir):
    log_in(page, live_server, "editor", "Editor")
    page.set_viewport_size(DESKTOP)
    open_form(page, live_server, story)
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    page.screenshot(path=artifacts_dir / "desk-form-1280.png", full_page=True)
    page.locator("#related_links-group").screenshot(path=artifacts_dir / "desk-sidebar-1280.png")

    page.set_viewport_size(PHONE)
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=artifacts_dir / "desk-form-360-full.png", full_page=True)
    # What a phone shows of the sidebar editor, as it shows it: one screen from its heading.
    page.locator("#related_links-heading").scroll_into_view_if_needed()
    page.evaluate("document.getElementById('related_links-heading').scrollIntoView()")
    page.screenshot(path=artifacts_dir / "desk-form-360.png")
    page.locator(".submit-row").screenshot(path=artifacts_dir / "desk-buttons-360.png")
    assert problems == []


def test_the_list_shows_each_status_as_a_word_on_its_colour(live_server, page, problems,
                                                             artifacts_dir):
    later = timezone.now() + timedelta(days=2)
    for headline, status, extra in [
            ("A draft", Article.Status.DRAFT, {}),
            ("An imported draft", Article.Status.DRAFT, {"headline_proposed": True}),
            ("A story in review", Article.Status.REVIEW, {}),
            ("A scheduled story", Article.Status.PUBLISHED, {"published_at": later}),
            ("A live story", Article.Status.PUBLISHED, {}),
            ("A withdrawn story", Article.Status.UNPUBLISHED, {"age": timedelta(days=1)})]:
        make_article(headline, status=status, **extra)
    log_in(page, live_server, "editor", "Editor")
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + reverse("admin:articles_article_changelist"))

    badges = page.locator("#result_list .status")
    words = set(badges.all_inner_texts())
    assert {"Draft", "Ready for review", "Published", "Unpublished"} <= words
    assert f"Scheduled {timezone.localtime(later):%-d %b %Y, %H:%M}" in words
    # Each status its own colour, from the stylesheet.
    colours = badges.evaluate_all(
        "spans => spans.map(span => [span.className, getComputedStyle(span).backgroundColor])")
    by_class = dict(colours)
    assert len(by_class) == 5 and len(set(by_class.values())) == 5
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    page.locator("#result_list").screenshot(path=artifacts_dir / "desk-list-statuses.png")
    assert problems == []
