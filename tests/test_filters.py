"""The filters of /articles/ (articles.filters): what each narrows, what a form shows, and the
400 answer for filters it cannot read."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article, make_articles, make_source
from tests.page_parsers import card_headlines, get_page, pagination_link, parse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("query", "expected"), [
    ("", ["Harvest report", "Élections à Dakar", "Ministers meet in Moscow"]),
    ("q=Moscow", ["Harvest report", "Ministers meet in Moscow"]),
    ("q=ministers+moscow", ["Ministers meet in Moscow"]),
    ("q=ballot", ["Élections à Dakar"]),
    ("q=nothing-like-this", []),
    ("tag=Russia", ["Harvest report", "Ministers meet in Moscow"]),
    ("tag=rUSSIA", ["Harvest report", "Ministers meet in Moscow"]),
    ("tag=economy", ["Harvest report"]),
    ("source=desk", ["Élections à Dakar"]),
    ("source=wire", ["Harvest report", "Ministers meet in Moscow"]),
    ("language=fr", ["Élections à Dakar"]),
    ("language=en", ["Harvest report", "Ministers meet in Moscow"]),
    ("published_after=2025-04-05", ["Harvest report", "Élections à Dakar"]),
    ("published_before=2025-04-05", ["Ministers meet in Moscow"]),
    ("published_after=2025-04-10&published_before=2025-04-10", ["Élections à Dakar"]),
    ("has_video=on", ["Ministers meet in Moscow"]),
    ("tag=russia&language=en&has_video=on", ["Ministers meet in Moscow"]),
    ("q=moscow&published_after=2025-04-02", ["Harvest report"]),
])
def test_list_filters_narrow_the_results(client, catalogue, query, expected):
    page = get_page(client, f"/articles/?{query}")
    found = card_headlines(page.find("section", cls="results"))
    if "q=" in query:
        # Full-text search finds the same articles but ranks them: see tests/test_search.py.
        assert sorted(found) == sorted(expected)
    else:
        assert found == expected
    count = page.find("h2", cls="results__count").clean_text
    assert count == f"{len(expected)} article{'' if len(expected) == 1 else 's'}"


def test_list_filter_form_labels_every_input(client, catalogue):
    page = get_page(client, "/articles/?q=moscow")
    form = page.find("form", cls="filters")
    fields = [
        el for el in form.iter()
        if el.tag in {"input", "select", "textarea"}
        and el.attrs.get("type") not in {"hidden", "submit", "button"}
    ]
    names = {el.attrs["name"] for el in fields}
    assert names == {"q", "tag", "source", "language", "country", "published_after",
                     "published_before", "has_video"}
    labels = {label.attrs.get("for") for label in form.find_all("label")}
    for field in fields:
        assert field.attrs.get("id"), field
        assert field.attrs["id"] in labels, field
    assert form.find("input", name="q").attrs["value"] == "moscow"
    options = [o.attrs["value"] for o in form.find("select", name="source").find_all("option")]
    assert options == ["", "desk", "wire"]


def test_the_country_select_offers_every_country_and_keeps_the_one_chosen(client, catalogue):
    page = get_page(client, "/articles/?country=ml")
    select = page.find("form", cls="filters").find("select", name="country")
    options = select.find_all("option")
    assert len(options) == 250  # "Any country", then the 249 of ISO 3166-1
    assert (options[0].attrs["value"], options[0].clean_text) == ("", "Any country")
    chosen = [(o.attrs["value"], o.clean_text) for o in options if "selected" in o.attrs]
    assert chosen == [("ML", "Mali")]
    refused = get_page(client, "/articles/?country=XX", status=400)
    select = refused.find("form", cls="filters").find("select", name="country")
    assert select.attrs["aria-invalid"] == "true"
    assert not [o for o in select.find_all("option") if "selected" in o.attrs]


def test_list_pagination_links_keep_the_filters(client):
    make_articles(25, tags=["Sahel"])
    make_article("Unrelated", tags=["Other"])

    first = get_page(client, "/articles/?q=story&tag=sahel")
    assert len(card_headlines(first)) == 20
    assert pagination_link(first, "next") == {"q": ["story"], "tag": ["sahel"], "page": ["2"]}

    second = get_page(client, "/articles/?q=story&tag=sahel&page=2")
    assert card_headlines(second) == [f"Story {i:02d} of 25" for i in range(20, 25)]
    assert pagination_link(second, "prev") == {"q": ["story"], "tag": ["sahel"], "page": ["1"]}


@pytest.mark.parametrize(("query", "invalid"), [
    ("published_after=not-a-date", ["published_after"]),
    ("published_before=2025-13-45", ["published_before"]),
    ("published_after=2025-04-01&published_before=yesterday", ["published_before"]),
    ("source=nope", ["source"]),
    ("source=embargoed-desk", ["source"]),  # only a draft of its own: as if unknown
    ("language=xx", ["language"]),
    ("published_after=garbage&source=nope&language=xx&page=abc&q=moscow",
     ["source", "language", "published_after"]),
])
def test_list_filters_it_cannot_read_answer_400_with_what_to_correct(client, catalogue, query,
                                                                      invalid):
    make_article("Coup plot foiled", source=make_source("Embargoed Desk", "embargoed-desk"),
                 status=Article.Status.DRAFT)
    response = client.get(f"/articles/?{query}")
    assert response.status_code == 400
    page = parse(response)
    assert card_headlines(page) == []  # never the unfiltered list
    assert page.find("h2", cls="results__count").clean_text == "Some filters could not be read"
    form = page.find("form", cls="filters")
    flagged = [el for el in form.iter() if el.attrs.get("aria-invalid") == "true"]
    assert sorted(el.attrs["name"] for el in flagged) == sorted(invalid)
    for field in flagged:
        # The message the field names is on the page, under that very id.
        message = form.find(id=field.attrs["aria-describedby"])
        assert "valid" in message.clean_text, message
        # A date input holds an ISO date or nothing; never the text that was refused.
        assert field.attrs.get("value") is None
    assert b"Embargoed Desk" not in response.content


def test_list_date_filters_show_a_date_they_read_in_iso(client, catalogue):
    page = get_page(client, "/articles/?published_before=04/05/2025")
    assert page.find("input", name="published_before").attrs["value"] == "2025-04-05"
    assert card_headlines(page) == ["Ministers meet in Moscow"]


def test_list_source_filter_names_only_sources_with_public_articles(client, catalogue):
    make_article("Coup plot foiled", source=make_source("Embargoed Desk", "embargoed-desk"),
                 status=Article.Status.DRAFT)
    later = make_article("Summit opens", source=make_source("Summit Desk", "summit-desk"),
                         age=-timedelta(hours=1))
    make_source("Empty Source", "empty-source")

    def options():
        select = get_page(client, "/articles/").find("select", name="source")
        return [(o.attrs["value"], o.clean_text) for o in select.find_all("option")]

    assert options() == [("", "All sources"), ("desk", "Partner Desk"), ("wire", "Sahel Wire")]
    assert client.get("/articles/?source=summit-desk").status_code == 400
    # The scheduled article's time comes: its source is public from the next request on.
    Article.objects.filter(pk=later.pk).update(published_at=timezone.now())
    assert ("summit-desk", "Summit Desk") in options()
    page = get_page(client, "/articles/?source=summit-desk")
    assert card_headlines(page) == ["Summit opens"]
