"""The reader pages as a reader sees them in Chromium, at a desktop's and a phone's width, with
few articles and with many. Screenshots land in test-artifacts/ for a person to look at."""

from datetime import timedelta

import pytest

from articles.ingest.importer import import_paths
from articles.models import Source
from tests.factories import make_article, make_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 780}
VIDEOS = ("/articles/mali-burkina-faso-and-niger-foreign-ministers-head-to-moscow-for-first-aes-"
          "russia-talks/")
TEASERS = "/articles/sahel-alliance-ministers-meet-in-moscow-to-deepen-security-ties-with-russia/"


@pytest.fixture
def seeded(seeds_dir):
    assert import_paths([seeds_dir], publish=True).ok


@pytest.fixture
def plain_article(seeded):
    """A story with no sidebar: the articles sharing its tags stand in for one."""
    return make_article("Niger and Mali agree on a joint border force",
                        source=Source.objects.get(name="Africanews"), slug="joint-border-force",
                        tags=["Russia"], age=timedelta(days=3),
                        body="Ministers agreed on Monday to a joint force.\n\nIt starts in May.")


def scroll_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "360"])
def test_every_page_holds_its_width(plain_article, live_server, page, artifacts_dir, viewport):
    page.set_viewport_size(viewport)
    for name, path in (("front", "/"), ("article-videos", VIDEOS), ("article-teasers", TEASERS),
                       ("article-plain", plain_article.get_absolute_url()),
                       ("list-filters", "/articles/?q=Moscow&language=en")):
        assert page.goto(live_server.url + path).status == 200, path
        assert scroll_width(page) <= viewport["width"], f"{path} scrolls sideways"
        page.screenshot(path=artifacts_dir / f"reader-{name}-{viewport['width']}.png",
                        full_page=True)


def test_the_videos_box_is_a_list_with_badges_not_blank_pictures(seeded, live_server, page):
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + VIDEOS)
    box = page.get_by_role("region", name="Related videos")
    items = box.get_by_role("listitem")
    assert items.count() == 6
    assert box.locator("img, .video-card__thumb").count() == 0
    for i in range(6):
        badge = items.nth(i).locator(".badge")
        assert badge.is_visible()
        # The title reads as text, not as a heading-weight block.
        weight = items.nth(i).locator(".video-card__title").evaluate(
            "el => getComputedStyle(el).fontWeight")
        assert int(weight) < 600


def test_a_caption_without_its_picture_is_a_caption_line(seeded, live_server, page):
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + TEASERS)
    caption = page.locator(".story__caption")
    assert caption.inner_text().endswith("AES leaders and Russia's Putin")
    background = caption.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background in ("rgba(0, 0, 0, 0)", "transparent")


def test_on_a_phone_the_results_come_before_the_filters(seeded, live_server, page):
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/articles/?q=Moscow")
    assert not page.locator("#id_tag").is_visible()  # the form is folded away
    first = page.locator(".results .card").first
    assert first.bounding_box()["y"] < 450
    page.get_by_text("Filter articles").click()
    assert page.locator("#id_tag").is_visible()


def test_on_a_desktop_the_filters_stand_beside_the_results(seeded, live_server, page):
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/articles/?q=Moscow")
    assert page.locator("#id_tag").is_visible()


def test_with_two_articles_the_front_page_has_no_empty_columns_and_the_footer_stays_down(
        seeded, live_server, page, artifacts_dir):
    page.set_viewport_size({"width": 1280, "height": 1400})
    page.goto(live_server.url + "/")
    columns = page.locator(".article-grid").evaluate(
        "el => getComputedStyle(el).gridTemplateColumns.split(' ').length")
    assert columns == 1
    footer = page.locator(".site-footer").bounding_box()
    assert footer["y"] + footer["height"] == pytest.approx(1400, abs=1)
    page.screenshot(path=artifacts_dir / "reader-front-two-articles.png", full_page=True)


def test_with_many_articles_the_front_page_is_a_grid(seeded, live_server, page, artifacts_dir):
    source = Source.objects.get(name="Africanews")
    for number in range(25):
        article = make_article(f"Story number {number} about the Sahel", source=source,
                               age=timedelta(hours=number + 30))
        make_link(article)
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/")
    columns = page.locator(".article-grid").evaluate(
        "el => getComputedStyle(el).gridTemplateColumns.split(' ').length")
    assert columns >= 3
    assert page.get_by_role("link", name="Older →").is_visible()
    page.screenshot(path=artifacts_dir / "reader-front-many-articles.png", full_page=True)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "360"])
def test_an_article_names_its_countries_and_cited_outlets(seeded, live_server, page,
                                                          artifacts_dir, viewport):
    make_article("A Burkina 24 story", source=Source.objects.create(name="Burkina 24",
                                                                    slug="burkina-24"))
    page.set_viewport_size(viewport)
    page.goto(live_server.url + TEASERS)
    countries = page.locator(".story__facet", has=page.get_by_role(
        "heading", name="Countries")).get_by_role("list")
    assert countries.get_by_role("link").all_inner_texts() == [
        "Russia", "Mali", "Burkina Faso", "Niger"]
    for chip in countries.get_by_role("link").all():
        box = chip.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    cited = page.get_by_text("As reported by Burkina 24.")
    assert cited.is_visible() and cited.inner_text() == "As reported by Burkina 24."
    assert scroll_width(page) <= viewport["width"]
    page.screenshot(path=artifacts_dir / f"reader-article-about-{viewport['width']}.png",
                    full_page=True)
    # A country leads to the articles about it; the outlet to our source's page.
    countries.get_by_role("link", name="Mali").click()
    page.wait_for_url("**/articles/?country=ML")
    assert page.locator(".card__headline").count() == 2
    page.go_back()
    page.get_by_role("link", name="Burkina 24").click()
    page.wait_for_url("**/sources/burkina-24/")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "360"])
def test_an_article_leads_to_its_coverage_by_other_outlets(seeded, live_server, page,
                                                           artifacts_dir, viewport):
    page.set_viewport_size(viewport)
    page.goto(live_server.url + TEASERS)
    section = page.get_by_role("region", name="Also covered by")
    section.scroll_into_view_if_needed()
    assert section.is_visible()
    assert section.get_by_role("listitem").count() == 1
    assert scroll_width(page) <= viewport["width"]
    page.screenshot(path=artifacts_dir / f"reader-also-covered-{viewport['width']}.png",
                    full_page=True)
    # The other outlet's article, then the whole story side by side.
    section.get_by_role("link", name="Africanews").click()
    page.wait_for_url("**" + VIDEOS)
    page.get_by_role("region", name="Also covered by").get_by_role(
        "link", name="The whole story, side by side").click()
    page.wait_for_url("**/stories/*/")
    assert page.locator(".coverage-list__item").count() == 2
    assert scroll_width(page) <= viewport["width"]
    page.screenshot(path=artifacts_dir / f"reader-story-{viewport['width']}.png",
                    full_page=True)
