"""A reader's path through the site in real headless Chromium (Debian's package)."""

import re

import pytest

from articles.ingest.importer import import_paths

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 780}


@pytest.fixture
def seeded(seeds_dir):
    report = import_paths([seeds_dir], publish=True)
    assert report.ok, report.summary()


def test_reader_follows_the_front_page_to_the_first_seed(
    seeded, live_server, page, artifacts_dir
):
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/")
    page.screenshot(path=artifacts_dir / "front-desktop.png", full_page=True)

    page.get_by_role("link", name=re.compile("Mali, Burkina Faso and Niger")).first.click()
    page.wait_for_url(re.compile(r"/articles/mali-burkina-faso"))

    assert page.get_by_role("heading", level=1).inner_text().startswith("Mali, Burkina Faso")
    videos = page.get_by_role("region", name="Related videos").get_by_role("listitem")
    assert videos.count() == 6
    # What a screen reader announces: the hidden "Duration" label, then the badge.
    badges = [" ".join(videos.nth(i).locator(".badge").text_content().split())
              for i in range(6)]
    assert badges == ["Go to video", "Duration 01:31", "Duration 02:04", "Go to video",
                      "Go to video", "Duration 48:03"]
    # The badge sits over the thumbnail, inside the card, and is visible.
    assert videos.nth(1).locator(".badge").is_visible()
    page.screenshot(path=artifacts_dir / "article-desktop.png", full_page=True)
    page.get_by_role("region", name="Related videos").screenshot(
        path=artifacts_dir / "related-videos.png"
    )

    page.set_viewport_size(PHONE)
    page.reload()
    # Nothing wider than the phone's screen: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=artifacts_dir / "article-phone.png", full_page=True)


def test_stories_sidebar_and_skip_link(seeded, live_server, page, artifacts_dir):
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/articles/sahel-alliance-ministers-meet-in-moscow-to-deepen-"
              "security-ties-with-russia/")
    box = page.get_by_role("region", name="Related stories")
    stories = box.get_by_role("listitem")
    assert stories.count() == 6
    # None resolved to an article of ours: shown as the original box, without links.
    assert box.get_by_role("link").count() == 0
    assert stories.nth(1).locator("[lang]").get_attribute("lang") == "fr"
    assert all(stories.nth(i).inner_text().endswith("…") for i in range(6))
    page.screenshot(path=artifacts_dir / "stories-desktop.png", full_page=True)

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.is_visible()

    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/articles/?q=Moscow")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=artifacts_dir / "list-phone.png", full_page=True)
