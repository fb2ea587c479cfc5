"""The desk's feeds (articles/admin/feeds.py): the list with each feed's last fetch, adding and
changing a feed, and "Fetch now", by role. tests/test_permissions.py walks this admin with the
others (reporters may not change or delete feeds)."""

import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles import polling
from articles.models import Article, Feed
from articles.roles import ensure_roles
from tests.admin_helpers import action, form_data, form_errors, logged_in, make_user, messages_of
from tests.factories import make_source
from tests.feed_server import RSS_TYPE, FeedServer, Reply
from tests.test_polling import HARVEST, NIAMEY, feed_reply, rss

pytestmark = pytest.mark.django_db
# The worker (django-tasks-db's) checks its connection as a request would, and on PostgreSQL
# closes one in a transaction: its tests commit.
WORKER = pytest.mark.django_db(transaction=True)

FEEDS = "/admin/articles/feed/"
ADD = f"{FEEDS}add/"


def change_page(feed):
    return f"{FEEDS}{feed.pk}/change/"


@pytest.fixture
def server():
    with FeedServer() as running:
        yield running


@pytest.fixture
def editor():
    return logged_in(make_user("editor", "Editor", is_staff=True))


@pytest.fixture
def reporter():
    return logged_in(make_user("reporter", "Reporter", is_staff=True))


@pytest.fixture
def feed_keeper():
    """Staff who may manage feeds (every feed permission) but may not publish."""
    user = make_user("keeper", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="articles", codename__endswith="_feed"))
    return logged_in(user)


def queued_polls():
    return DBTaskResult.objects.filter(task_path=polling.POLL_TASK, status="READY")


# -------------------------------------------------------------------------------------------
# The list


def test_the_list_shows_each_feeds_last_fetch(server, editor):
    ok = Feed.objects.create(url=server.serve("/wire.rss", feed_reply(rss([NIAMEY, HARVEST]))),
                             source=make_source("Partner Wire"), interval=15)
    broken = Feed.objects.create(url=server.serve("/broken.rss", Reply(500)))
    new = Feed.objects.create(url=server.url("/new.rss"), active=False)
    polling.fetch_feeds([ok.pk, broken.pk])

    response = editor.get(FEEDS)

    assert response.status_code == 200
    page = response.content.decode()
    assert ok.url in page and broken.url in page and new.url in page
    assert "Partner Wire" in page and "the feed&#x27;s title" in page
    assert ">15 min<" in page
    assert '<span class="status feed-status feed-status--ok">OK</span>' in page
    assert '<span class="status feed-status feed-status--error">Error</span>' in page
    assert '<span class="status feed-status feed-status--new">Not fetched yet</span>' in page
    assert "HTTP 500 Internal Server Error" in page
    assert "2 created" in page
    assert "desk/feeds.css" in page


def test_a_feeds_page_shows_its_errors_and_a_permanent_move(server, editor):
    empty = type(NIAMEY)("https://wire.example.com/empty", "", "", NIAMEY.published)
    server.serve("/new/wire.rss", feed_reply(rss([NIAMEY, empty])))
    feed = Feed.objects.create(url=server.serve("/wire.rss", Reply(
        301, headers={"Location": "/new/wire.rss"})))
    polling.fetch_feeds([feed.pk])

    listed = editor.get(FEEDS).content.decode()
    page = editor.get(change_page(feed)).content.decode()

    assert f"feed-{feed.pk}.rss#2" in listed
    assert (f'<span class="feed-moved">moved permanently to {server.url("/new/wire.rss")}'
            "</span>") in listed
    assert f'<ul class="feed-errors"><li>feed-{feed.pk}.rss#2' in page
    assert server.url("/new/wire.rss") in page
    assert "1 created, 1 failed" in page


# -------------------------------------------------------------------------------------------
# Adding and changing a feed


@WORKER
def test_an_editor_adds_a_feed_and_the_worker_polls_it_at_once(server, editor):
    url = server.serve("/wire.rss", feed_reply(rss([NIAMEY])))
    data = {**form_data(editor, ADD, "feed_form"), "url": url, "interval": "15",
            "publish": "on"}

    response = editor.post(ADD, data)

    assert response.status_code == 302, form_errors(response)
    feed = Feed.objects.get()
    assert (feed.url, feed.interval, feed.publish, feed.active) == (url, 15, True, True)
    assert feed.next_fetch_at is None
    (poll,) = queued_polls()
    assert poll.run_after <= timezone.now()
    call_command("run_jobs", "--once", stdout=io.StringIO(), stderr=io.StringIO(), verbosity=0)
    assert Feed.objects.get().last_status == Feed.Status.OK
    assert Article.objects.get().status == Article.Status.PUBLISHED


@pytest.mark.parametrize(("field", "value", "error"), [
    ("url", "ftp://wire.example.com/wire.rss", "Enter a valid URL."),
    ("interval", "1", "Ensure this value is greater than or equal to 5."),
    ("interval", str(7 * 24 * 60 + 1), "Ensure this value is less than or equal to 10080."),
])
def test_the_form_refuses_what_the_poller_does_not_fetch(editor, field, value, error):
    data = {**form_data(editor, ADD, "feed_form"), "url": "https://wire.example.com/wire.rss",
            field: value}

    assert error in form_errors(editor.post(ADD, data))[field][0]
    assert not Feed.objects.exists()


def test_a_new_interval_or_url_reschedules_the_feed(editor):
    fetched = timezone.now() - timedelta(minutes=10)
    feed = Feed.objects.create(url="https://wire.example.com/wire.rss", interval=60,
                               last_fetched_at=fetched, next_fetch_at=fetched + timedelta(hours=1),
                               etag='"v1"', last_modified="Mon, 30 Nov 2026 12:00:00 GMT")
    page = change_page(feed)

    response = editor.post(page, {**form_data(editor, page, "feed_form"), "interval": "15"})

    assert response.status_code == 302, form_errors(response)
    feed.refresh_from_db()
    assert feed.next_fetch_at == fetched + timedelta(minutes=15)
    assert feed.etag == '"v1"'
    (poll,) = queued_polls()  # for its new time
    assert poll.run_after == fetched + timedelta(minutes=15)

    response = editor.post(page, {**form_data(editor, page, "feed_form"),
                                  "url": "https://wire.example.com/other.rss"})

    assert response.status_code == 302, form_errors(response)
    feed.refresh_from_db()
    assert (feed.next_fetch_at, feed.etag, feed.last_modified) == (None, "", "")


def test_only_someone_who_may_publish_sets_a_feed_to_publish(editor, feed_keeper):
    feed = Feed.objects.create(url="https://wire.example.com/wire.rss", publish=True)
    page = change_page(feed)

    assert "publish" in form_data(editor, page, "feed_form")
    data = form_data(feed_keeper, page, "feed_form")
    assert "publish" not in data  # read-only for them

    response = feed_keeper.post(page, {**data, "interval": "60", "publish": "on"},
                                follow=True)

    feed.refresh_from_db()
    assert feed.interval == 60
    assert feed.publish is False
    assert any("no longer publishes its articles at once" in m for m in messages_of(response))


# -------------------------------------------------------------------------------------------
# Fetch now, by role


def test_an_editor_fetches_feeds_now(server, editor):
    wire = Feed.objects.create(url=server.serve("/wire.rss", feed_reply(rss([NIAMEY]))),
                               active=False)
    broken = Feed.objects.create(url=server.serve("/broken.rss", Reply(
        body=b"<html><body>Maintenance</body></html>", headers={"Content-Type": "text/html"})))

    response = action(editor, FEEDS, "fetch_now", [wire, broken])

    assert response.status_code == 302
    shown = messages_of(editor.get(FEEDS))
    assert f"feed {wire.pk} {wire.url}: ok: 1 created" in shown
    assert (f"feed {broken.pk} {broken.url}: error: not a feed: the server sent an HTML page "
            "(text/html)") in shown
    assert Article.objects.get().original_url == NIAMEY.url


@WORKER
def test_with_background_jobs_fetch_now_queues_the_feeds_for_the_worker(server, editor,
                                                                        settings):
    settings.IMPORT_JOBS = "background"
    wire = Feed.objects.create(url=server.serve("/wire.rss", feed_reply(rss([NIAMEY]))),
                               active=False)

    response = action(editor, FEEDS, "fetch_now", [wire])

    assert response.status_code == 302
    assert "1 feed queued" in " ".join(messages_of(editor.get(FEEDS)))
    assert server.requests == []
    call_command("run_jobs", "--once", stdout=io.StringIO(), stderr=io.StringIO(), verbosity=0)
    assert [path for path, _ in server.requests] == ["/wire.rss"]
    wire.refresh_from_db()
    assert wire.last_status == Feed.Status.OK


def test_a_reporter_neither_sees_nor_fetches_feeds(server, reporter):
    feed = Feed.objects.create(url=server.serve("/wire.rss", feed_reply(rss([NIAMEY]),
                                                                        content_type=RSS_TYPE)))

    assert reporter.get(FEEDS).status_code == 403
    assert reporter.get(change_page(feed)).status_code == 403
    assert action(reporter, FEEDS, "fetch_now", [feed]).status_code == 403
    assert server.requests == []
    assert "/admin/articles/feed/" not in reporter.get("/admin/").content.decode()


def test_someone_who_may_only_view_feeds_cannot_fetch_them(server):
    viewer = make_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_feed"))
    client = logged_in(viewer)
    feed = Feed.objects.create(url=server.serve("/wire.rss", feed_reply(rss([NIAMEY]))))

    listed = client.get(FEEDS)

    assert listed.status_code == 200
    assert "fetch_now" not in listed.content.decode()
    action(client, FEEDS, "fetch_now", [feed])
    assert server.requests == []


@pytest.mark.parametrize("made_by", ["migrations", "ensure_roles"])
def test_the_editor_group_manages_feeds_however_it_was_made(made_by):
    if made_by == "ensure_roles":  # a group deleted by mistake, made again by `migrate`
        Group.objects.filter(name="Editor").delete()
        ensure_roles()
    granted = set(Group.objects.get(name="Editor").permissions.filter(
        codename__endswith="_feed").values_list("codename", flat=True))
    assert granted == {"add_feed", "change_feed", "delete_feed", "view_feed"}
    assert not Group.objects.get(name="Reporter").permissions.filter(
        codename__endswith="_feed").exists()
