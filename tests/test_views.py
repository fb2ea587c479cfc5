"""What a reader sees: the public pages through Django's test client (front page, article
page, tag and source pages, 404, and the queries each runs)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model

from articles.models import Article, Correction, RelatedLink
from tests.conftest import SEED_000_VIDEO_TITLES
from tests.factories import make_article, make_articles, make_link, make_source
from tests.page_parsers import Element, card_headlines, get_page, pagination_link, parse

pytestmark = pytest.mark.django_db


# -------------------------------------------------------------------------------------------
# 1. Front page, drafts, previews


def test_front_page_lists_published_articles_newest_first(client):
    wire = make_source("Sahel Wire", "sahel-wire")
    desk = make_source("Partner Desk", "partner-desk")
    older = make_article(
        "Older story", source=wire, kicker="Niger", body="Older lead text.\n\nMore.",
        published_at=datetime(2025, 4, 1, 9, 0, tzinfo=UTC),
    )
    newest = make_article(
        "Newest story", source=desk, kicker="Mali", body="Newest lead text.\n\nMore.",
        published_at=datetime(2025, 4, 3, 15, 30, tzinfo=UTC),
    )
    middle = make_article("Middle story", source=wire,
                          published_at=datetime(2025, 4, 2, 12, 0, tzinfo=UTC))

    page = get_page(client, "/")

    assert card_headlines(page) == ["Newest story", "Middle story", "Older story"]
    cards = page.find_all("article", cls="card")
    assert [card for card in cards if "card--lead" in card.classes] == [cards[0]]
    lead_card, _, older_card = cards
    assert lead_card.find("p", cls="kicker").clean_text == "Mali"
    assert lead_card.find("p", cls="card__lead").clean_text == "Newest lead text."
    assert lead_card.find("a", href=newest.get_absolute_url()).clean_text == "Newest story"
    assert lead_card.find("a", href="/sources/partner-desk/").clean_text == "Partner Desk"
    assert lead_card.find("time").attrs["datetime"] == "2025-04-03T15:30:00+00:00"
    assert older_card.find("p", cls="kicker").clean_text == "Niger"
    assert older_card.find("p", cls="card__lead").clean_text == "Older lead text."
    assert older_card.find("a", href="/sources/sahel-wire/").clean_text == "Sahel Wire"
    assert older_card.find("time").attrs["datetime"] == "2025-04-01T09:00:00+00:00"
    assert older_card.find("a", href=older.get_absolute_url())
    assert middle.kicker == "" and not cards[1].find_all("p", cls="kicker")


def test_front_page_is_paginated_by_20_and_links_drop_foreign_params(client):
    articles = make_articles(25)

    # Parameters the page does not read are left out of its links: a cached page is shared by
    # every request that differs only in them, so it must not repeat one visitor's.
    first = get_page(client, "/?utm_source=mail")
    assert card_headlines(first) == [a.headline for a in articles[:20]]
    assert len(first.find_all("article", cls="card--lead")) == 1
    assert pagination_link(first, "next") == {"page": ["2"]}
    assert not first.find("nav", cls="pagination").find_all("a", rel="prev")

    second = get_page(client, "/?utm_source=mail&page=2")
    assert card_headlines(second) == [a.headline for a in articles[20:]]
    assert not second.find_all("article", cls="card--lead")
    assert pagination_link(second, "prev") == {"page": ["1"]}
    assert not second.find("nav", cls="pagination").find_all("a", rel="next")
    # Without counting the archive: "Older" when more follow, no "of N".
    assert second.find("span", cls="pagination__current").text == "Page 2"
    for page in ("3", "0", "-1", "x", "99999999999999999999", str(2**62)):
        assert client.get(f"/?page={page}").status_code == 404, page
    # Django's "last" still works: it counts, as only it does.
    assert card_headlines(get_page(client, "/?page=last")) == [a.headline for a in articles[20:]]


def test_front_page_with_exactly_one_page_has_no_older_link(client):
    make_articles(20)
    assert not get_page(client, "/").find_all("nav", cls="pagination")
    assert client.get("/?page=2").status_code == 404


HIDDEN_KINDS = {
    "draft": {"status": Article.Status.DRAFT},
    "draft-with-time": {"status": Article.Status.DRAFT, "age": timedelta(days=1)},
    "review": {"status": Article.Status.REVIEW, "age": timedelta(days=1)},
    "future": {"status": Article.Status.PUBLISHED, "age": -timedelta(hours=1)},
    "unpublished": {"status": "unpublished", "age": timedelta(days=1)},
}


@pytest.mark.parametrize("kind", HIDDEN_KINDS)
def test_unpublished_articles_never_reach_readers(client, kind):
    source = make_source("Wire", "wire")
    make_article("Visible story", source=source, tags=["Sahel"])
    hidden = make_article("Hidden story", source=source, tags=["Sahel"], **HIDDEN_KINDS[kind])

    for url in ["/", "/articles/", "/articles/?q=story", "/tags/sahel/", "/sources/wire/"]:
        page = get_page(client, url)
        assert card_headlines(page) == ["Visible story"], url
        assert "Hidden story" not in page.text, url
    response = client.get(hidden.get_absolute_url())
    assert response.status_code == 404
    assert b"Hidden story" not in response.content


def test_staff_preview_a_draft_with_a_banner_and_noindex(client):
    draft = make_article("Draft story", status=Article.Status.DRAFT)
    user_model = get_user_model()
    reader = user_model.objects.create_user("reader", password="secret")
    editor = user_model.objects.create_user("editor", password="secret", is_staff=True)

    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(reader)
    assert client.get(draft.get_absolute_url()).status_code == 404

    client.force_login(editor)
    response = client.get(draft.get_absolute_url())
    assert response.status_code == 200
    page = parse(response)
    assert page.find("h1").clean_text == "Draft story"
    assert "Preview" in page.find(cls="preview-banner").text
    head = page.find("head")
    robots = head.find("meta", name="robots").attrs["content"]
    assert robots.startswith("noindex")
    assert b'<meta name="robots" content="noindex' in response.content
    # The preview stays private: the draft is still absent from the listings.
    assert "Draft story" not in get_page(client, "/").text


def test_published_article_has_no_preview_banner_or_noindex(client):
    article = make_article("Public story")
    user_model = get_user_model()
    client.force_login(user_model.objects.create_user("editor", password="x", is_staff=True))
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert not parse(response).find_all(cls="preview-banner")
    assert b'name="robots"' not in response.content


# -------------------------------------------------------------------------------------------
# 2. Article page: sidebars


def test_first_seed_shows_its_related_videos_in_order(client, seeded):
    first, _ = seeded
    response = client.get(first.get_absolute_url())
    assert response.status_code == 200
    page = parse(response)

    assert first.kicker == "Russia"
    assert page.find("html").attrs["lang"] == "en"
    assert len(page.find_all("h1")) == 1
    assert page.find("h1").clean_text == first.headline
    box = page.find("section", cls="box--videos")
    assert box.find("h2").clean_text == "Related videos"
    items = box.find_all("li", cls="video-card")
    assert len(items) == 6
    badges = [item.find("span", cls="badge") for item in items]
    assert [badge.clean_text.replace("Duration ", "") for badge in badges] == [
        "Go to video", "01:31", "02:04", "Go to video", "Go to video", "48:03",
    ]
    assert [badge.find_all("time")[0].text for badge in badges if badge.find_all("time")] == [
        "01:31", "02:04", "48:03",
    ]
    titles = [item.find("span", cls="video-card__title").clean_text for item in items]
    assert titles == SEED_000_VIDEO_TITLES
    # Nothing in our archive matches them, and no editor gave a URL: no item links anywhere.
    assert box.find_all("a") == []
    assert len(box.find_all("div", cls="video-card__body")) == 6
    # Tags link to their tag page.
    tags = page.find("ul", cls="tags").find_all("a")
    assert [(a.clean_text, a.attrs["href"]) for a in tags] == [("Russia", "/tags/russia/")]
    assert client.get("/tags/russia/").status_code == 200


def test_second_seed_shows_related_stories_with_ellipses_and_languages(client, seeded):
    _, second = seeded
    page = get_page(client, second.get_absolute_url())

    assert page.find("html").attrs["lang"] == "en"
    assert len(page.find_all("h1")) == 1
    assert not page.find_all("section", cls="box--videos")
    box = page.find("section", cls="box--stories")
    assert box.find("h2").clean_text == "Related stories"
    # None resolved to an article of ours: each is shown as the box showed it, without a link.
    assert box.find_all("a") == []
    items = box.find("ul", cls="story-list").find_all("span", cls="story-list__text")
    assert len(items) == 6
    assert all(item.clean_text.endswith("…") for item in items)
    teasers = list(second.related_links.values_list("teaser", flat=True))
    assert [item.clean_text for item in items] == [f"{teaser}…" for teaser in teasers]
    french = [item for item in items if item.clean_text.startswith("Un communiqué")]
    assert len(french) == 1 and french[0].attrs.get("lang") == "fr"
    assert [item for item in items if "lang" in item.attrs] == french


def test_article_page_language_follows_the_article(client):
    french = make_article("Élections à Dakar", language="fr")
    page = get_page(client, french.get_absolute_url())
    assert page.find("html").attrs["lang"] == "fr"
    # The site's own words around the story stay English, and say so.
    assert page.find("header").attrs["lang"] == "en"
    # The site's footer, not the story's (its countries: Dakar is in Senegal).
    assert page.find("footer", cls="site-footer").attrs["lang"] == "en"
    assert get_page(client, "/").find("html").attrs["lang"] == "en"


def story_items(box):
    """(text, href or None, lang or None) of each item of a "Related stories" box."""
    return [
        (el.clean_text, el.attrs.get("href"), el.attrs.get("lang"))
        for item in box.find("ul", cls="story-list").find_all("li")
        for el in item.children if isinstance(el, Element)
    ]


def test_related_items_link_to_our_public_article_else_the_editors_url_else_nowhere(client):
    article = make_article("Story with a sidebar")
    published = make_article("Published target", slug="published-target")
    draft = make_article("Draft target", status=Article.Status.DRAFT, slug="draft-target")
    scheduled = make_article("Scheduled target", age=-timedelta(days=1), slug="scheduled-target")
    make_link(article, teaser="Unresolved teaser about Niamey", truncated=True)
    make_link(article, teaser="Teaser of the published target", target=published)
    make_link(article, teaser="Teaser of the draft target", target=draft, language="fr")
    make_link(article, teaser="Teaser of the scheduled target", target=scheduled,
              url="https://partner.example.com/scheduled")
    make_link(article, RelatedLink.Kind.VIDEO, title="Video of the draft", target=draft,
              duration_seconds=3723, language="fr")
    make_link(article, RelatedLink.Kind.VIDEO, title="Video of the published", target=published)
    make_link(article, RelatedLink.Kind.VIDEO, title="Video elsewhere",
              url="https://partner.example.com/video")

    page = get_page(client, article.get_absolute_url())

    assert story_items(page.find("section", cls="box--stories")) == [
        ("Unresolved teaser about Niamey…", None, None),
        ("Teaser of the published target", "/articles/published-target/", None),
        ("Teaser of the draft target", None, "fr"),
        ("Teaser of the scheduled target", "https://partner.example.com/scheduled", None),
    ]
    videos = page.find("section", cls="box--videos")
    cards = [next(el for el in item.children if isinstance(el, Element))
             for item in videos.find_all("li", cls="video-card")]
    assert [(card.tag, card.attrs.get("href"), card.attrs.get("lang"),
             card.find("span", cls="video-card__title").clean_text,
             card.find("span", cls="badge").clean_text) for card in cards] == [
        ("div", None, "fr", "Video of the draft", "Duration 1:02:03"),
        ("a", "/articles/published-target/", None, "Video of the published", "Go to video"),
        ("a", "https://partner.example.com/video", None, "Video elsewhere", "Go to video"),
    ]
    assert cards[0].classes == ["video-card__body"]
    assert videos.find("time").attrs["datetime"] == "PT1H2M3S"


def test_an_unresolved_item_an_editor_gave_a_url_links_there(client):
    article = make_article("Story with an external item")
    make_link(article, teaser="Covered by a partner", url="https://partner.example.com/story")
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'href="https://partner.example.com/story"' in html


def test_no_link_on_an_article_page_leads_to_an_empty_page(client, seeded):
    """Every link of ours on the seeds' pages (sidebar, tags, source, site) answers with
    something to read: no 404, no empty list."""
    for article in seeded:
        page = get_page(client, article.get_absolute_url())
        hrefs = {a.attrs["href"] for a in page.find_all("a")}
        ours = {href for href in hrefs if href.startswith("/") and "#" not in href}
        assert ours
        for href in sorted(ours):
            response = client.get(href)
            assert response.status_code == 200, href
            if response["Content-Type"].startswith("text/html"):
                assert not parse(response).find_all("p", cls="empty"), href


def test_article_without_sidebar_shows_more_on_these_topics(client):
    article = make_article("The story", tags=["Sahel", "Niger", "Mali"])
    two_shared = make_article("Shares two tags", tags=["Sahel", "Niger"], age=timedelta(days=3))
    one_shared = make_article("Shares one tag", tags=["Mali", "Economy"], age=timedelta(days=1))
    make_article("Draft sharing all", tags=["Sahel", "Niger", "Mali"],
                 status=Article.Status.DRAFT)
    make_article("Scheduled sharing all", tags=["Sahel", "Niger", "Mali"],
                 age=-timedelta(days=1))
    make_article("Shares nothing", tags=["Sport"])

    page = get_page(client, article.get_absolute_url())

    box = page.find("section", cls="box--stories")
    assert box.find("h2").clean_text == "More on these topics"
    links = box.find_all("a")
    assert [(a.clean_text, a.attrs["href"]) for a in links] == [
        ("Shares two tags", two_shared.get_absolute_url()),
        ("Shares one tag", one_shared.get_absolute_url()),
    ]
    assert "Related stories" not in page.text and "Related videos" not in page.text


def test_article_with_sidebar_has_no_more_on_these_topics(client):
    article = make_article("The story", tags=["Sahel"])
    make_article("Shares a tag", tags=["Sahel"])
    make_link(article, teaser="A teaser")
    page = get_page(client, article.get_absolute_url())
    assert "More on these topics" not in page.text
    assert "Shares a tag" not in page.text


def test_a_copy_loaded_before_a_correction_does_not_hide_it_when_saved(client):
    article = make_article("The story")
    stale = Article.objects.get(pk=article.pk)
    Correction.objects.create(article=article, note="The meeting was on Tuesday.")
    stale.headline = "The story, retitled"
    stale.save()
    assert "The meeting was on Tuesday." in client.get(article.get_absolute_url()).content.decode()


# -------------------------------------------------------------------------------------------
# 3. Tag and source pages


def test_tag_page_lists_only_its_articles(client):
    make_article("Tagged one", tags=["Sahel", "Niger"], age=timedelta(hours=2))
    make_article("Tagged two", tags=["sahel"], age=timedelta(hours=1))
    make_article("Other tag", tags=["Mali"])
    make_article("No tags")

    page = get_page(client, "/tags/sahel/")
    assert page.find("h1").clean_text == "Sahel"
    assert card_headlines(page) == ["Tagged two", "Tagged one"]
    assert card_headlines(get_page(client, "/tags/mali/")) == ["Other tag"]
    get_page(client, "/tags/no-such-tag/", status=404)


def test_source_page_lists_only_its_articles(client):
    wire = make_source("Sahel Wire", "sahel-wire")
    desk = make_source("Partner Desk", "partner-desk")
    make_article("From the wire", source=wire, age=timedelta(hours=2))
    make_article("Also from the wire", source=wire, age=timedelta(hours=1))
    make_article("From the desk", source=desk)
    make_source("Empty Source", "empty-source")

    page = get_page(client, "/sources/sahel-wire/")
    assert page.find("h1").clean_text == "Sahel Wire"
    assert card_headlines(page) == ["Also from the wire", "From the wire"]
    assert card_headlines(get_page(client, "/sources/partner-desk/")) == ["From the desk"]
    get_page(client, "/sources/no-such-source/", status=404)


def test_a_tag_or_source_only_drafts_use_is_not_public(client):
    embargoed = make_source("Embargoed Desk", "embargoed-desk")
    make_article("Coup plot foiled", source=embargoed, tags=["Coup plot"],
                 status=Article.Status.DRAFT)
    make_source("Empty Source", "empty-source")
    for url in ("/sources/embargoed-desk/", "/sources/empty-source/", "/tags/coup-plot/",
                "/tags/coup-plot/rss/", "/sources/embargoed-desk/atom/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"Coup plot" not in response.content


@pytest.mark.parametrize("url", ["/tags/sahel/", "/sources/sahel-wire/"])
def test_tag_and_source_pages_are_paginated(client, url):
    articles = make_articles(25, source=make_source("Sahel Wire", "sahel-wire"), tags=["Sahel"])
    first = get_page(client, url)
    assert card_headlines(first) == [a.headline for a in articles[:20]]
    assert pagination_link(first, "next") == {"page": ["2"]}
    second = get_page(client, f"{url}?page=2")
    assert card_headlines(second) == [a.headline for a in articles[20:]]


# -------------------------------------------------------------------------------------------
# 4. 404


def test_404_page_uses_the_site_style(client):
    make_article("Something")
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = parse(response)
    assert page.find("a", cls="brand").clean_text == "Newsroom"
    assert "Newsroom" in page.find("title").text
    forms = page.find("main").find_all("form", role="search")
    assert forms and forms[0].attrs["action"] == "/articles/"
    assert forms[0].find("input", name="q")
    assert client.get("/articles/no-such-article/").status_code == 404


# -------------------------------------------------------------------------------------------
# 5. Query counts: the same for one row and for many


# article+source, tags, related links+targets; its countries are on the article's row, and its
# cited outlets are read only when it cites some (a query more, as its story is: tests below)
ARTICLE_PAGE_QUERIES = 3
CORRECTED_ARTICLE_QUERIES = 4  # the same, and its corrections (only an article that has some)
MORE_ARTICLES_QUERIES = 4  # the same, plus the articles sharing tags


# A page of articles (with their source); the list (a search) adds its count (bounded), its
# source filter's options and the search index's bounded count of matches (ranked or not?);
# tag and source pages look up their tag or source. Nothing counts the archive.
LISTING_QUERIES = {"front": 1, "list": 4, "tag": 2, "source": 2}


@pytest.mark.parametrize("size", [1, 30])
def test_article_page_queries_do_not_grow_with_related_links(
    client, django_assert_num_queries, size
):
    article = make_article("The story", tags=["Sahel", "Niger", "Mali", "Economy"])
    targets = [make_article(f"Target {i}", source=make_source(), tags=["Sahel"])
               for i in range(3)]
    for position in range(size):
        kind = RelatedLink.Kind.VIDEO if position % 2 else RelatedLink.Kind.STORY
        make_link(article, kind, position=position, target=targets[position % 3],
                  duration_seconds=60 + position if kind == RelatedLink.Kind.VIDEO else None)

    with django_assert_num_queries(ARTICLE_PAGE_QUERIES):
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    page = parse(response)
    items = page.find("aside").find_all("li")
    assert len(items) == size
    assert {a.attrs["href"] for a in page.find("aside").find_all("a")} <= {
        t.get_absolute_url() for t in targets
    }


def test_an_article_citing_outlets_asks_for_them_and_names_its_countries(
        client, django_assert_num_queries):
    article = make_article("The story", tags=["Sahel"],
                           body="Ministers met in Bamako, according to Reuters.\n\nMali said so.")
    make_link(article)
    assert article.country_codes == "ML" and article.cites_outlets
    with django_assert_num_queries(ARTICLE_PAGE_QUERIES + 1):
        page = parse(client.get(article.get_absolute_url()))
    assert page.find("ul", cls="countries").clean_text == "Mali"
    assert "As reported by Reuters." in page.find("p", cls="story__cited").clean_text


def test_a_corrected_article_asks_for_its_corrections_and_shows_them(
        client, django_assert_num_queries):
    article = make_article("The story", tags=["Sahel"])
    make_link(article)
    Correction.objects.create(article=article, note="The meeting was on Tuesday.")
    with django_assert_num_queries(CORRECTED_ARTICLE_QUERIES):
        response = client.get(article.get_absolute_url())
    assert "The meeting was on Tuesday." in response.content.decode()


@pytest.mark.parametrize("size", [1, 5])
def test_more_on_these_topics_queries_do_not_grow(client, django_assert_num_queries, size):
    article = make_article("The story", tags=["Sahel", "Niger", "Mali"])
    for i in range(size):
        make_article(f"Other {i}", source=make_source(), tags=["Sahel", "Niger"])
    with django_assert_num_queries(MORE_ARTICLES_QUERIES):
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert len(parse(response).find("section", cls="box--stories").find_all("li")) == size


def listing_url(name):
    return {"front": "/", "list": "/articles/?q=story", "tag": "/tags/sahel/",
            "source": "/sources/the-source/"}[name]


@pytest.mark.parametrize("size", [1, 25])
@pytest.mark.parametrize("name", list(LISTING_QUERIES))
def test_listing_queries_do_not_grow_with_articles(client, django_assert_num_queries, name,
                                                   size):
    source = make_source("The Source", "the-source")
    for i in range(size):
        article = make_article(f"Story {i}", source=source, tags=["Sahel", f"Tag {i}", "Niger"],
                               age=timedelta(hours=i + 1))
        make_link(article, RelatedLink.Kind.VIDEO, duration_seconds=30)
    # Other sources with articles, so a per-row source lookup would show.
    for i in range(3):
        make_article(f"Story elsewhere {i}", source=make_source(), tags=["Sahel"])

    with django_assert_num_queries(LISTING_QUERIES[name]):
        response = client.get(listing_url(name))
    assert response.status_code == 200
    shown = len(card_headlines(parse(response)))
    assert shown == min(20, size + (0 if name == "source" else 3))
