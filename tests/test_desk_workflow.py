"""The article form's workflow buttons, and the status column of the article list.

Each button sends `status` = a workflow step (articles.workflow.Step: draft, review, published,
scheduled, unpublished; nothing for a plain save). The form is saved first, then the step is
taken through workflow.py, in the same transaction. The buttons a user sees are the steps
workflow.steps() gives them; a POST of any other step is refused with nothing saved.
"""

import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.contrib.staticfiles import finders
from django.db.models.signals import post_save
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.admin_helpers import change_url, form_data, form_errors, logged_in, make_user, split
from tests.factories import make_article, make_source

pytestmark = pytest.mark.django_db

ARTICLES = reverse("admin:articles_article_changelist")
ADD = reverse("admin:articles_article_add")
PAST = timedelta(days=3)
LATER = timedelta(hours=5)


# -------------------------------------------------------------------------------------------
# People


def person(role):
    """A client for `role`: an editor, a reporter, a staff member who may only look at
    articles (no change, no import, no publish permission), or anonymous."""
    if role == "anonymous":
        return Client()
    if role == "viewer":
        viewer = make_user("viewer", is_staff=True)
        viewer.user_permissions.add(Permission.objects.get(codename="view_article"))
        return logged_in(viewer)
    return logged_in(make_user(role, role.capitalize(), is_staff=True))


# -------------------------------------------------------------------------------------------
# Articles in each situation


def situation(name, **fields):
    """An article in the situation `name`: draft, review, proposed (a draft whose headline the
    import proposed), scheduled, live or unpublished."""
    now = timezone.now()
    status, extra = {
        "draft": (Article.Status.DRAFT, {}),
        "review": (Article.Status.REVIEW, {}),
        "proposed": (Article.Status.DRAFT, {"headline_proposed": True}),
        "scheduled": (Article.Status.PUBLISHED, {"published_at": now + LATER}),
        "live": (Article.Status.PUBLISHED, {"published_at": now - PAST}),
        "unpublished": (Article.Status.UNPUBLISHED, {"published_at": now - PAST}),
    }[name]
    return make_article(f"A {name} story", status=status, **{**extra, **fields})


class SubmitRow(HTMLParser):
    """The labels of the article form's submit buttons, and of the schedule's disclosure."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.labels, self.current = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if (tag == "button" and attrs.get("type") == "submit") or tag == "summary":
            self.current = [tag, attrs.get("value"), ""]

    def handle_data(self, data):
        if self.current:
            self.current[2] += data

    def handle_endtag(self, tag):
        if self.current and tag == self.current[0]:
            self.labels.append(" ".join(self.current[2].split()))
            self.current = None


def buttons(client, article=None):
    response = client.get(change_url(article) if article else ADD)
    assert response.status_code == 200, response
    html = response.content.decode()
    row = SubmitRow()
    row.feed(html[html.index('<div class="submit-row'):])
    return [label for label in row.labels if label != "Schedule"]  # the panel's own button


def form_of(client, article=None):
    return form_data(client, change_url(article) if article else ADD, "article_form")


def press(client, article, step, **fields):
    """Submit the article's form unchanged but for `fields`, by the button of `step` ("" for
    the plain Save)."""
    data = {**form_of(client, article), **fields}
    if step:
        data["status"] = step
    else:
        data["_save"] = ""
    return client.post(change_url(article), data)


def stored(article):
    return Article.objects.values("headline", "status", "published_at").get(pk=article.pk)


# -------------------------------------------------------------------------------------------
# The buttons each role sees


EDITOR_BUTTONS = {
    "new": ["Save draft", "Submit for review", "Publish", "Schedule…",
            "Save and continue editing"],
    "draft": ["Save draft", "Submit for review", "Publish", "Schedule…",
              "Save and continue editing"],
    "review": ["Save", "Back to draft", "Publish", "Schedule…", "Save and continue editing"],
    "scheduled": ["Save", "Publish now", "Reschedule…", "Unpublish", "Save and continue editing"],
    "live": ["Save", "Unpublish", "Save and continue editing"],
    "unpublished": ["Save", "Back to draft", "Publish", "Schedule…",
                    "Save and continue editing"],
}
REPORTER_BUTTONS = {
    "new": ["Save draft", "Submit for review", "Save and continue editing"],
    "draft": ["Save draft", "Submit for review", "Save and continue editing"],
    "review": ["Save", "Back to draft", "Save and continue editing"],
    # Published or withdrawn: the editors' alone, the form is read-only.
    "scheduled": [], "live": [], "unpublished": [],
}


@pytest.mark.parametrize("name", list(EDITOR_BUTTONS))
def test_an_editor_sees_the_steps_of_the_article_s_status(as_editor, name):
    article = None if name == "new" else situation(name)
    assert buttons(as_editor, article) == EDITOR_BUTTONS[name]


@pytest.mark.parametrize("name", list(REPORTER_BUTTONS))
def test_a_reporter_sees_save_draft_and_submit_for_review(as_reporter, name):
    article = None if name == "new" else situation(name)
    assert buttons(as_reporter, article) == REPORTER_BUTTONS[name]


def test_the_status_is_not_a_field_of_the_form(as_editor):
    article = situation("scheduled")
    html = as_editor.get(change_url(article)).content.decode()
    assert '<select name="status"' not in html
    # The status is shown, with the scheduled time; the time's inputs are the schedule's.
    assert '<span class="status status--scheduled">Scheduled <time' in html
    panel = html[html.index('<details class="desk-schedule"'):]
    assert 'name="published_at_0"' in panel[:panel.index("</details>")]
    assert html.count('name="published_at_0"') == 1
    local = timezone.localtime(article.published_at)
    assert f'value="{local:%Y-%m-%d}"' in panel  # its time, to change


# -------------------------------------------------------------------------------------------
# Each button, each role


@pytest.mark.parametrize(("role", "start", "step", "status"), [
    ("editor", "draft", "draft", "draft"),
    ("editor", "draft", "review", "review"),
    ("editor", "review", "draft", "draft"),
    ("editor", "review", "review", "review"),
    ("editor", "draft", "published", "published"),
    ("editor", "review", "published", "published"),
    ("editor", "live", "unpublished", "unpublished"),
    ("editor", "scheduled", "unpublished", "unpublished"),
    ("editor", "unpublished", "draft", "draft"),
    ("editor", "live", "", "published"),
    ("editor", "unpublished", "", "unpublished"),
    ("reporter", "draft", "draft", "draft"),
    ("reporter", "draft", "review", "review"),
    ("reporter", "review", "draft", "draft"),
    ("reporter", "review", "", "review"),
])
def test_each_button_saves_the_form_then_takes_its_step(role, start, step, status):
    client = person(role)
    article = situation(start)
    before = stored(article)

    response = press(client, article, step, headline=f"{article.headline}, edited")

    assert response.status_code == 302, form_errors(response)
    after = stored(article)
    assert after["headline"].endswith(", edited")  # the form's own save
    assert after["status"] == status
    if status in ("draft", "review") or before["published_at"] is not None:
        assert after["published_at"] == before["published_at"]


def test_publish_puts_a_draft_live_now(as_editor):
    article = situation("draft", slug="now")
    before = timezone.now()
    response = press(as_editor, article, "published")
    assert response.status_code == 302, form_errors(response)
    assert before <= stored(article)["published_at"] <= timezone.now()
    assert "Published: readers see “A draft story” now." in messages(as_editor)
    assert Client().get("/articles/now/").status_code == 200  # a reader


def test_publishing_a_withdrawn_article_again_keeps_its_published_time(as_editor):
    article = situation("unpublished")
    before = stored(article)["published_at"]
    assert press(as_editor, article, "published").status_code == 302
    assert (stored(article)["status"], stored(article)["published_at"]) == ("published", before)


def test_schedule_sets_the_time_it_goes_live(as_editor):
    article = situation("review", slug="later")
    when = timezone.now().replace(microsecond=0) + timedelta(days=1)
    day, time = split(when)

    response = press(as_editor, article, "scheduled", published_at_0=day, published_at_1=time)

    assert response.status_code == 302, form_errors(response)
    assert stored(article)["status"] == "published"
    assert stored(article)["published_at"] == when
    assert Client().get("/articles/later/").status_code == 404  # a reader
    local = timezone.localtime(when)
    assert (f"Scheduled: “A review story” goes live {local:%-d %b %Y, %H:%M}."
            in messages(as_editor))


def test_a_scheduled_article_is_rescheduled_or_published_now(as_editor):
    article = situation("scheduled")
    sooner = timezone.now().replace(microsecond=0) + timedelta(hours=1)
    day, time = split(sooner)
    assert press(as_editor, article, "scheduled", published_at_0=day,
                 published_at_1=time).status_code == 302
    assert stored(article)["published_at"] == sooner

    before = timezone.now()
    assert press(as_editor, article, "published").status_code == 302
    assert before <= stored(article)["published_at"] <= timezone.now()
    assert Article.objects.published().filter(pk=article.pk).exists()


def test_a_new_article_is_submitted_for_review_by_a_reporter(as_reporter):
    data = {**form_of(as_reporter), "headline": "A reporter's story", "slug": "reporters-story",
            "body": "First.\n\nSecond.", "source": make_source().pk, "status": "review"}
    response = as_reporter.post(ADD, data)
    assert response.status_code == 302, form_errors(response)
    assert Article.objects.get(slug="reporters-story").status == Article.Status.REVIEW


def test_a_new_article_is_scheduled_by_an_editor(as_editor):
    when = timezone.now().replace(microsecond=0) + timedelta(days=2)
    day, time = split(when)
    data = {**form_of(as_editor), "headline": "An editor's story", "slug": "editors-story",
            "body": "First.", "source": make_source().pk, "status": "scheduled",
            "published_at_0": day, "published_at_1": time}
    response = as_editor.post(ADD, data)
    assert response.status_code == 302, form_errors(response)
    article = Article.objects.get(slug="editors-story")
    assert (article.status, article.published_at) == (Article.Status.PUBLISHED, when)


# -------------------------------------------------------------------------------------------
# A button the user may not use is refused, and nothing of the form is saved


@pytest.mark.parametrize(("role", "start", "step", "answer"), [
    # Reporters: the editors' steps are no choice of theirs (a form error).
    ("reporter", "draft", "published", "form"),
    ("reporter", "draft", "scheduled", "form"),
    ("reporter", "review", "unpublished", "form"),
    ("reporter", "draft", "bogus", "form"),
    # Published or withdrawn: the reporter's form is read-only altogether.
    ("reporter", "live", "draft", 403),
    ("reporter", "scheduled", "review", 403),
    ("reporter", "unpublished", "draft", 403),
    # Editors: a step this article cannot take now.
    ("editor", "draft", "unpublished", "form"),
    ("editor", "live", "published", "form"),
    ("editor", "live", "scheduled", "form"),
    ("editor", "live", "draft", "form"),
    ("editor", "live", "review", "form"),
    ("editor", "unpublished", "unpublished", "form"),
    # No change permission at all, or not logged in.
    ("viewer", "draft", "review", 403),
    ("viewer", "review", "published", 403),
    ("anonymous", "review", "published", "login"),
    ("anonymous", "live", "unpublished", "login"),
])
def test_a_crafted_button_is_refused_and_nothing_is_saved(role, start, step, answer, as_editor):
    client = as_editor if role == "editor" else person(role)
    article = situation(start)
    before = stored(article)
    data = {**form_of(as_editor, article), "headline": "Crafted", "status": step}
    when = timezone.now() + timedelta(days=1)
    data["published_at_0"], data["published_at_1"] = split(when)

    response = client.post(change_url(article), data)

    if answer == "form":
        assert "status" in form_errors(response)
        assert "desk-workflow__errors" in response.content.decode()  # shown by the buttons
    elif answer == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    else:
        assert response.status_code == answer
    assert stored(article) == before


def test_a_step_refused_after_the_save_rolls_the_save_back(as_reporter):
    """The rule is checked again when the step is taken, on the article as it is stored then:
    an editor published it while the reporter's form was being saved."""
    article = situation("draft")
    before = stored(article)

    def published_meanwhile(sender, instance, **kwargs):
        Article.objects.filter(pk=instance.pk).update(
            status=Article.Status.PUBLISHED, published_at=timezone.now() - PAST)

    post_save.connect(published_meanwhile, sender=Article, dispatch_uid="meanwhile")
    try:
        response = press(as_reporter, article, "review", headline="Edited by the reporter")
    finally:
        post_save.disconnect(dispatch_uid="meanwhile", sender=Article)

    assert response.status_code == 403
    assert stored(article) == before  # the headline too: one transaction


@pytest.mark.parametrize(("offset", "message"), [
    (None, "Give the time it goes live: a time in the future."),
    (-timedelta(minutes=1), "Give the time it goes live: a time in the future."),
])
def test_a_schedule_needs_a_time_in_the_future(as_editor, offset, message):
    article = situation("review")
    before = stored(article)
    fields = {"headline": "Edited"}
    if offset is not None:
        fields["published_at_0"], fields["published_at_1"] = split(timezone.now() + offset)

    response = press(as_editor, article, "scheduled", **fields)

    assert form_errors(response) == {"published_at": [message]}
    html = response.content.decode()
    assert '<details class="desk-schedule" open>' in html  # the panel stays open
    assert message in html
    assert stored(article) == before


PROPOSED = "The import proposed this headline: write one"


@pytest.mark.parametrize("step", ["published", "scheduled"])
def test_a_proposed_headline_is_not_published_until_an_editor_writes_one(as_editor, step):
    article = situation("proposed")
    page = as_editor.get(change_url(article)).content.decode()
    assert "The import proposed this headline. Write the headline" in page
    fields = {}
    if step == "scheduled":
        fields["published_at_0"], fields["published_at_1"] = split(timezone.now() + LATER)

    refused = press(as_editor, article, step, **fields)
    assert PROPOSED in form_errors(refused)["status"][0]
    assert stored(article)["status"] == "draft"

    accepted = press(as_editor, article, step, headline="A headline an editor wrote", **fields)
    assert accepted.status_code == 302, form_errors(accepted)
    article.refresh_from_db()
    assert (article.status, article.headline_proposed) == (Article.Status.PUBLISHED, False)


# -------------------------------------------------------------------------------------------
# The list: status as a word on its colour


def messages(client):
    return [str(message) for message in client.get(ARTICLES).context["messages"]]


def test_the_list_shows_each_status_as_a_word_on_its_colour(as_editor):
    articles = {name: situation(name) for name in
                ("draft", "review", "proposed", "scheduled", "live", "unpublished")}
    html = as_editor.get(ARTICLES).content.decode()
    rows = {name: html[html.index(f">A {name} story</a>"):][:600] for name in articles}

    assert '<span class="status status--draft">Draft</span>' in rows["draft"]
    assert '<span class="status status--review">Ready for review</span>' in rows["review"]
    assert '<span class="status status--published">Published</span>' in rows["live"]
    assert '<span class="status status--unpublished">Unpublished</span>' in rows["unpublished"]
    when = articles["scheduled"].published_at
    local = timezone.localtime(when)
    assert (f'<span class="status status--scheduled">Scheduled <time datetime="'
            f'{when.isoformat()}">{local:%-d %b %Y, %H:%M}</time></span>') in rows["scheduled"]
    assert ('<span class="status status--draft">Draft</span> <span class="status-note">'
            'headline proposed</span>') in rows["proposed"]
    # Its colours come from the desk's stylesheet, which the list loads: no inline style.
    assert 'href="/static/desk/desk.css"' in html
    assert not re.search(r"<[^>]+\sstyle=", html[html.index('id="result_list"'):])


def test_each_status_has_its_colours_in_the_stylesheet():
    css = Path(finders.find("desk/desk.css")).read_text()
    for key in ("draft", "review", "scheduled", "published", "unpublished"):
        rule = re.search(r"\.status--" + key + r"\s*\{([^}]*)\}", css)
        assert rule, key
        assert "background:" in rule.group(1) and "color:" in rule.group(1)


def test_the_status_column_still_sorts_and_filters(as_editor):
    situation("draft")
    situation("live")
    response = as_editor.get(ARTICLES, {"o": "3", "status__exact": "draft"})
    assert [a.headline for a in response.context["cl"].result_list] == ["A draft story"]


# -------------------------------------------------------------------------------------------
# The history


@pytest.mark.parametrize(("start", "step", "message"), [
    ("draft", "", "Changed Headline."),  # Save and continue editing
    ("draft", "draft", "Changed Headline."),  # Save draft
    ("draft", "review", "Changed Headline and Status."),
    ("live", "", "Changed Headline."),
    ("live", "unpublished", "Changed Headline and Status."),
    ("scheduled", "published", "Changed Headline and Status."),
])
def test_the_history_names_the_status_only_when_the_button_changed_it(as_editor, start, step,
                                                                      message):
    article = situation(start)
    response = press(as_editor, article, step, headline="Edited")
    assert response.status_code == 302, form_errors(response)
    entry = LogEntry.objects.filter(object_id=str(article.pk)).latest("action_time")
    assert entry.get_change_message() == message
