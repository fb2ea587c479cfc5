"""The sidebar editor: the related-links inline of the article form.

Durations are typed and shown as the page showed them (MM:SS or H:MM:SS; empty for "Go to
video"); the order is the rows' hidden positions (django-admin-sortable2 and the Move buttons
renumber them); where an item leads is marked, an unresolved one included.
"""

import re

import pytest
from django import forms

from articles.forms import DurationBadgeField, RelatedLinkForm
from articles.models import Article, RelatedLink
from tests.admin_helpers import change_url, form_data, form_errors
from tests.factories import make_article, make_link

pytestmark = pytest.mark.django_db

BAD_DURATION = ("Type the length as MM:SS or H:MM:SS (for example 01:31 or 1:02:03), or leave "
                "it empty for “Go to video”.")


# -------------------------------------------------------------------------------------------
# The duration field


@pytest.mark.parametrize(("typed", "seconds"), [
    ("01:31", 91), ("1:31", 91), ("48:03", 2883), ("1:02:03", 3723), ("0:05", 5),
    (" 02:04 ", 124), ("12:00:00", 43200), ("", None), ("   ", None),
])
def test_a_duration_is_typed_as_the_badge_showed_it(typed, seconds):
    assert DurationBadgeField().clean(typed) == seconds


@pytest.mark.parametrize("typed", ["91", "1:75", "01:60", "1:2:3", "1:02:03:04", "5 min",
                                   "-01:31", "01.31", "１:３１"])
def test_a_duration_that_is_no_badge_is_refused_with_the_formats(typed):
    with pytest.raises(forms.ValidationError) as refused:
        DurationBadgeField().clean(typed)
    assert refused.value.messages == [BAD_DURATION]


@pytest.mark.parametrize(("seconds", "shown"), [(91, "01:31"), (3723, "1:02:03"),
                                                (2883, "48:03"), (0, "00:00"), (None, "")])
def test_a_duration_is_shown_as_the_badge(seconds, shown):
    link = RelatedLink(kind=RelatedLink.Kind.VIDEO, title="A clip", duration_seconds=seconds)
    widget = str(RelatedLinkForm(instance=link)["duration_seconds"])
    assert (f'value="{shown}"' in widget) if shown else ("value=" not in widget)


def test_an_unchanged_duration_is_not_a_change():
    link = RelatedLink(kind=RelatedLink.Kind.VIDEO, title="A clip", duration_seconds=91)
    data = {"position": "0", "kind": "video", "title": "A clip", "duration_seconds": "01:31"}
    assert RelatedLinkForm(data, instance=link).changed_data == []


def test_only_a_video_has_a_duration():
    form = RelatedLinkForm({"position": "1", "kind": "story", "teaser": "A teaser…",
                            "duration_seconds": "01:31"})
    assert form.errors == {"duration_seconds": [
        "Only a video has a duration: leave it empty for a story."]}


# -------------------------------------------------------------------------------------------
# The editor on the article's form


@pytest.fixture
def videos():
    """A draft with the first seed's kind of sidebar: six videos, half of them "Go to
    video", as the import numbers them (from 0)."""
    article = make_article("Ministers head to Moscow", status=Article.Status.DRAFT)
    for position, (title, seconds) in enumerate([
            ("Inaugural games", None), ("Terrorism index", 91), ("Wagner accusations", 124),
            ("ECOWAS in Abuja", None), ("Uranium venture", 2883), ("ECOWAS debate", 3723)]):
        make_link(article, RelatedLink.Kind.VIDEO, position=position, title=title,
                  duration_seconds=seconds)
    return article


def form_of(client, article):
    return form_data(client, change_url(article), "article_form")


def rows(data):
    """Each sidebar row's fields, by row number: {0: {"title": ..., ...}, ...}."""
    found = {}
    for name, value in data.items():
        parts = name.split("-")
        if parts[0] == "related_links" and len(parts) == 3 and parts[1].isdigit():
            found.setdefault(int(parts[1]), {})[parts[2]] = value
    return found


def sidebar_titles(article):
    return [link.title for link in article.related_links.for_sidebar()]


def test_durations_are_shown_as_the_page_showed_them(as_editor, videos):
    shown = {row["title"]: row["duration_seconds"]
             for row in rows(form_of(as_editor, videos)).values()}
    assert shown == {"Inaugural games": "", "Terrorism index": "01:31",
                     "Wagner accusations": "02:04", "ECOWAS in Abuja": "",
                     "Uranium venture": "48:03", "ECOWAS debate": "1:02:03"}


def test_a_typed_duration_is_saved_as_seconds(as_editor, videos):
    data = form_of(as_editor, videos)
    data["related_links-0-duration_seconds"] = "2:03:04"
    data["related_links-1-duration_seconds"] = ""
    response = as_editor.post(change_url(videos), data)
    assert response.status_code == 302, form_errors(response)
    assert list(videos.related_links.order_by("position").values_list(
        "duration_seconds", flat=True))[:2] == [7384, None]


def test_a_duration_that_is_no_badge_brings_the_form_back_with_its_error(as_editor, videos):
    data = form_of(as_editor, videos)
    data["related_links-2-duration_seconds"] = "2 minutes"
    data["headline"] = "Not saved"
    response = as_editor.post(change_url(videos), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert BAD_DURATION.replace("“", "&ldquo;") in html or BAD_DURATION in html
    assert 'value="2 minutes"' in html  # what was typed, to correct
    videos.refresh_from_db()
    assert videos.headline == "Ministers head to Moscow"
    assert videos.related_links.get(title="Wagner accusations").duration_seconds == 124


def test_the_order_is_the_rows_positions(as_editor, videos):
    data = form_of(as_editor, videos)
    by_title = {row["title"]: number for number, row in rows(data).items()}
    # What a drag (or the Move buttons) leaves: every saved row numbered 1..N in page order.
    order = ["ECOWAS debate", "Inaugural games", "Terrorism index", "Wagner accusations",
             "ECOWAS in Abuja", "Uranium venture"]
    for position, title in enumerate(order, start=1):
        data[f"related_links-{by_title[title]}-position"] = str(position)
    response = as_editor.post(change_url(videos), data)
    assert response.status_code == 302, form_errors(response)
    assert sidebar_titles(videos) == order


def test_an_item_added_with_a_reorder_goes_last(as_editor, videos):
    data = form_of(as_editor, videos)
    by_title = {row["title"]: number for number, row in rows(data).items()}
    order = ["Uranium venture", "Inaugural games", "Terrorism index", "Wagner accusations",
             "ECOWAS in Abuja", "ECOWAS debate"]
    for position, title in enumerate(order, start=1):
        data[f"related_links-{by_title[title]}-position"] = str(position)
    # "Add another": a row whose hidden position the page left as the form gave it.
    new = len(by_title)
    data.update({"related_links-TOTAL_FORMS": str(new + 1),
                 f"related_links-{new}-position": "0",
                 f"related_links-{new}-kind": "video",
                 f"related_links-{new}-title": "A clip an editor added",
                 f"related_links-{new}-duration_seconds": "03:00",
                 f"related_links-{new}-article": str(videos.pk)})
    response = as_editor.post(change_url(videos), data)
    assert response.status_code == 302, form_errors(response)
    assert sidebar_titles(videos) == [*order, "A clip an editor added"]
    assert videos.related_links.get(title="A clip an editor added").duration_seconds == 180


def test_the_position_is_no_number_to_type(as_editor, videos):
    html = as_editor.get(change_url(videos)).content.decode()
    assert 'type="hidden" name="related_links-0-position"' in html
    assert 'class="_reorder_"' in html
    # Each saved row has its keyboard moves, named for the item.
    assert 'aria-label="Move “Terrorism index” up"' in html
    assert 'aria-label="Move “Terrorism index” down"' in html
    assert 'aria-live="polite"' in html


def test_where_each_item_leads_is_marked(as_editor, videos):
    live = make_article("Terrorism index")
    draft = make_article("Wagner accusations", status=Article.Status.DRAFT)
    videos.related_links.filter(title="Terrorism index").update(target=live)
    videos.related_links.filter(title="Wagner accusations").update(target=draft)
    videos.related_links.filter(title="ECOWAS in Abuja").update(url="https://example.com/a")
    html = as_editor.get(change_url(videos)).content.decode()

    def state_of(title):
        """The "links to" cell of the row of `title`."""
        row = html[html.index(f'value="{title}"'):]
        row = row[row.index('<div class="readonly">') + len('<div class="readonly">'):]
        return row[:row.index("</div>")].strip()

    assert state_of("Terrorism index") == (
        '<span class="link-state link-state--ours">Our article</span>')
    assert state_of("Wagner accusations") == (
        '<span class="link-state link-state--waiting">Our article, not public yet: shown '
        'without a link</span>')
    assert state_of("ECOWAS in Abuja") == (
        '<span class="link-state link-state--external">External link</span>')
    assert state_of("Inaugural games") == (
        '<span class="link-state link-state--unresolved"><strong>Unresolved:</strong> links to '
        'nothing yet</span>')


def test_the_target_is_picked_by_autocomplete_alone(as_editor, videos):
    html = as_editor.get(change_url(videos)).content.decode()
    select = html[html.index('name="related_links-0-target"') - 300:]
    select = select[:select.index("</select>")]
    assert "admin-autocomplete" in select
    row = html[html.index('name="related_links-0-target"'):]
    row = row[:row.index('class="desk-line desk-line--linked_to"')]
    # Not a place to write or delete articles: only the target's "view" link remains.
    assert "add-related" not in row and "change-related" not in row
    assert "delete-related" not in row and "view-related" in row


def test_a_reporter_sees_a_live_sidebar_read_only_with_its_badges(as_reporter, videos):
    Article.objects.filter(pk=videos.pk).update(status=Article.Status.PUBLISHED,
                                                published_at=videos.created_at)
    html = as_reporter.get(change_url(videos)).content.decode()
    sidebar = html[html.index('id="related_links-group"'):html.index('id="corrections-group"')]
    # No control to change anything: the formset's own hidden inputs only.
    assert all('type="hidden"' in tag for tag in re.findall(r"<input[^>]*>", sidebar))
    assert 'data-desk-move' not in sidebar
    assert "Only an editor may change the sidebar of a published or withdrawn article." in sidebar
    readonly = [chunk.split("</div>")[0].strip()
                for chunk in sidebar.split('<div class="readonly">')[1:]]
    badge = re.compile(r"\d+:\d\d(:\d\d)?|Go to video")
    assert [value for value in readonly if badge.fullmatch(value)] == [
        "Go to video", "01:31", "02:04", "Go to video", "48:03", "1:02:03"]
