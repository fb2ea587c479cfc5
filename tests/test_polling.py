"""Feeds polled by URL (articles.polling): the fetch, its conditional GET, its bounds and its
errors, the import through the one pipeline, `manage.py fetch_feeds`, and the job worker
polling the due feeds. The feeds are served from 127.0.0.1 (tests/feed_server.py)."""

import io
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles import polling
from articles.ingest.parse import MAX_FILE_BYTES
from articles.models import Article, Feed, ImportedOriginal
from tests.factories import make_source
from tests.feed_server import RSS_TYPE, FeedServer, Item, Reply, rss

pytestmark = pytest.mark.django_db
# The worker (django-tasks-db's) checks its connection as a request would, and on PostgreSQL
# closes one in a transaction: its tests commit.
WORKER = pytest.mark.django_db(transaction=True)

NIAMEY = Item("https://wire.example.com/2026/11/30/niamey-summit",
              "Sahel leaders agree a joint force in Niamey",
              "The leaders of Mali, Burkina Faso and Niger met in Niamey on Monday.\n"
              "They agreed to field a joint force of 5,000 troops within a year.",
              datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
HARVEST = Item("https://wire.example.com/2026/11/30/harvest",
               "Millet harvest up a fifth across the Sahel",
               "Farmers across the Sahel brought in a fifth more millet than last year.\n"
               "Rains came early and stayed late, the ministry said.",
               datetime(2026, 11, 30, 11, 30, tzinfo=UTC))
NIAMEY_UPDATED = Item(NIAMEY.url, NIAMEY.title,
                      NIAMEY.text + "\nThe force will be based in Niamey, officials added.",
                      NIAMEY.published)
ELECTIONS = Item("https://wire.example.com/2026/12/01/elections",
                 "Mali sets a date for its elections",
                 "Mali's transitional government said on Tuesday that elections would be held "
                 "in March.\nThe date was welcomed by the regional bloc.",
                 datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
LAST_MODIFIED = "Mon, 30 Nov 2026 12:00:00 GMT"
HTML_PAGE = b"<!DOCTYPE html><html><head><title>Sahel Wire</title></head><body><p>Welcome</p>"


@pytest.fixture
def server():
    with FeedServer() as running:
        yield running


def feed_reply(body, *, etag='"v1"', last_modified=LAST_MODIFIED, content_type=RSS_TYPE):
    """A server that answers 304 to a request naming its current ETag."""
    def reply(headers):
        if etag and headers.get("If-None-Match") == etag:
            return Reply(304, headers={"ETag": etag})
        headers = {"Content-Type": content_type, "Last-Modified": last_modified}
        return Reply(body=body, headers={**headers, "ETag": etag} if etag else headers)
    return reply


def fetch(*args):
    """`manage.py fetch_feeds ARGS`: its output lines (it exits 0: CommandError otherwise)."""
    out = io.StringIO()
    call_command("fetch_feeds", *map(str, args), stdout=out)
    return out.getvalue().splitlines()


def reloaded(feed):
    feed.refresh_from_db()
    return feed


def rows():
    return list(Article.objects.order_by("original_url").values(
        "pk", "original_url", "headline", "body", "status", "source__name", "updated_at"))


def counts(**given):
    return {"created": 0, "updated": 0, "unchanged": 0, "skipped": 0, "held": 0, "failed": 0,
            **given}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -------------------------------------------------------------------------------------------
# A feed that imports


def test_a_feed_is_fetched_and_imported_through_the_pipeline(server):
    url = server.serve("/wire.rss", feed_reply(rss([NIAMEY, HARVEST])))
    feed = Feed.objects.create(url=url)

    assert fetch() == [f"feed {feed.pk} {url}: ok: 2 created"]

    feed = reloaded(feed)
    assert feed.last_status == Feed.Status.OK
    assert feed.last_http_status == 200
    assert feed.last_import == counts(created=2)
    assert feed.last_error == ""
    assert (feed.etag, feed.last_modified) == ('"v1"', LAST_MODIFIED)
    assert timezone.now() - feed.last_fetched_at < timedelta(minutes=1)
    assert feed.next_fetch_at == feed.last_fetched_at + timedelta(minutes=feed.interval)
    articles = {a.original_url: a for a in Article.objects.select_related("source")}
    assert set(articles) == {NIAMEY.url, HARVEST.url}
    niamey = articles[NIAMEY.url]
    assert niamey.headline == NIAMEY.title
    assert niamey.published_at == NIAMEY.published
    assert "joint force of 5,000 troops" in niamey.body
    # No source given: the channel's title, created; and drafts, as the feed does not publish.
    assert {a.source.name for a in articles.values()} == {"Sahel Wire"}
    assert {a.status for a in articles.values()} == {Article.Status.DRAFT}
    original = ImportedOriginal.objects.get(article=niamey)
    assert original.format == ImportedOriginal.Format.RSS
    assert original.file_name == f"feed-{feed.pk}.rss#1"
    (asked,) = server.hits("/wire.rss")
    assert asked["User-Agent"].startswith("Newsroom/")
    assert "If-None-Match" not in asked and "If-Modified-Since" not in asked


def test_the_feeds_source_and_publishing_are_the_imports(server):
    url = server.serve("/wire.rss", feed_reply(rss([NIAMEY])))
    Feed.objects.create(url=url, source=make_source("Partner Wire"), publish=True)

    fetch()

    article = Article.objects.get()
    assert article.source.name == "Partner Wire"
    assert article.status == Article.Status.PUBLISHED


def test_a_second_fetch_is_conditional_and_a_304_changes_nothing(server):
    url = server.serve("/wire.rss", feed_reply(rss([NIAMEY, HARVEST])))
    feed = Feed.objects.create(url=url)
    fetch()
    before = rows()

    assert fetch(feed.pk) == [f"feed {feed.pk} {url}: not modified: HTTP 304, nothing imported"]

    second = server.hits("/wire.rss")[1]
    assert second["If-None-Match"] == '"v1"'
    assert second["If-Modified-Since"] == LAST_MODIFIED
    feed = reloaded(feed)
    assert feed.last_status == Feed.Status.NOT_MODIFIED
    assert feed.last_http_status == 304
    assert feed.last_import == counts(created=2)  # the last import's, as it was
    assert (feed.etag, feed.last_modified) == ('"v1"', LAST_MODIFIED)
    assert rows() == before


def test_a_feed_that_changes_between_fetches_updates_and_adds_without_duplicates(server):
    url = server.serve("/wire.rss", feed_reply(rss([NIAMEY, HARVEST])))
    feed = Feed.objects.create(url=url)
    fetch()
    harvest = Article.objects.get(original_url=HARVEST.url)

    server.serve("/wire.rss", feed_reply(rss([ELECTIONS, NIAMEY_UPDATED, HARVEST]), etag='"v2"'))
    assert fetch(feed.pk) == [f"feed {feed.pk} {url}: ok: 1 created, 1 updated, 1 unchanged"]

    assert Article.objects.count() == 3
    assert "based in Niamey" in Article.objects.get(original_url=NIAMEY.url).body
    assert Article.objects.get(original_url=HARVEST.url).updated_at == harvest.updated_at
    assert Article.objects.filter(original_url=ELECTIONS.url).exists()
    assert reloaded(feed).etag == '"v2"'
    # The same feed once more, from a server with no validators: all unchanged.
    server.serve("/wire.rss", feed_reply(rss([ELECTIONS, NIAMEY_UPDATED, HARVEST]), etag=""))
    assert fetch(feed.pk) == [f"feed {feed.pk} {url}: ok: 3 unchanged"]
    assert Article.objects.count() == 3


def test_a_new_version_of_a_published_story_is_held_for_an_editor(server):
    url = server.serve("/wire.rss", feed_reply(rss([NIAMEY])))
    feed = Feed.objects.create(url=url)
    fetch()
    Article.objects.update(status=Article.Status.PUBLISHED, published_at=NIAMEY.published)
    body = Article.objects.get().body

    server.serve("/wire.rss", feed_reply(rss([NIAMEY_UPDATED]), etag='"v2"'))
    assert fetch(feed.pk) == [f"feed {feed.pk} {url}: ok: 1 held"]

    article = Article.objects.get()
    assert article.body == body
    assert article.pending_versions.count() == 1


# -------------------------------------------------------------------------------------------
# What the format of a response is


@pytest.mark.parametrize(("path", "content_type", "body"), [
    ("/wire.rss", "application/octet-stream", rss([NIAMEY])),  # by the URL's extension
    ("/latest", "text/plain", rss([NIAMEY])),  # by the body's first bytes
    ("/latest", "text/html; charset=utf-8", rss([NIAMEY])),  # a server that says html
    ("/latest", "application/xml", rss([NIAMEY])),
], ids=["extension", "text-plain", "mislabelled-html", "application-xml"])
def test_the_format_comes_from_the_content_type_the_url_or_the_body(server, path,
                                                                    content_type, body):
    url = server.serve(path, feed_reply(body, content_type=content_type))
    feed = Feed.objects.create(url=url)

    assert fetch() == [f"feed {feed.pk} {url}: ok: 1 created"]


FIXTURES = Path(__file__).resolve().parent / "fixtures" / "formats"


@pytest.mark.parametrize(("fixture", "content_type", "chosen", "original", "language"), [
    ("feeds/courrier-du-sahel.atom", "application/atom+xml", Feed.Format.AUTO,
     ImportedOriginal.Format.ATOM, "fr"),
    ("feeds/courrier-du-sahel.atom", "text/xml", Feed.Format.ATOM,
     ImportedOriginal.Format.ATOM, "fr"),
    ("ninjs/customs-deal-2.1.json", "application/json", Feed.Format.AUTO,
     ImportedOriginal.Format.NINJS, "en"),
    ("ninjs/wire-batch.json", "application/octet-stream", Feed.Format.NINJS,
     ImportedOriginal.Format.NINJS, None),
], ids=["atom", "atom-chosen", "ninjs", "ninjs-chosen"])
def test_atom_and_ninjs_feeds_import_too(server, fixture, content_type, chosen, original,
                                         language):
    body = (FIXTURES / fixture).read_bytes()
    url = server.serve("/latest", feed_reply(body, content_type=content_type))
    feed = Feed.objects.create(url=url, format=chosen)

    (line,) = fetch()

    assert line.startswith(f"feed {feed.pk} {url}: ok: ")
    created = reloaded(feed).last_import["created"]
    assert created >= 1 and created == Article.objects.count()
    assert set(ImportedOriginal.objects.values_list("format", flat=True)) == {original}
    if language:
        assert set(Article.objects.values_list("language", flat=True)) == {language}
    assert fetch(feed.pk) == [f"feed {feed.pk} {url}: not modified: HTTP 304, nothing "
                              "imported"]


def test_an_html_page_is_not_a_feed(server):
    url = server.serve("/news", Reply(body=HTML_PAGE, headers={"Content-Type": "text/html"}))
    feed = Feed.objects.create(url=url, etag='"v0"')

    reason = "not a feed: the server sent an HTML page (text/html)"
    assert fetch() == [f"feed {feed.pk} {url}: error: {reason}"]

    feed = reloaded(feed)
    assert (feed.last_status, feed.last_error, feed.last_http_status) == ("error", reason, 200)
    assert feed.etag == '"v0"'
    assert not Article.objects.exists()


def test_a_body_of_no_format_it_can_tell_is_an_error(server):
    url = server.serve("/latest", Reply(body=b"Sahel Wire: 2 stories today",
                                        headers={"Content-Type": "text/plain"}))
    feed = Feed.objects.create(url=url)

    assert fetch() == [f"feed {feed.pk} {url}: error: not a feed it can read: the server sent "
                       "text/plain; choose the feed's format if it is RSS, Atom or NINJS"]
    assert not Article.objects.exists()


def test_an_html_page_read_as_the_chosen_format_fails_in_the_parser(server):
    url = server.serve("/news", Reply(body=HTML_PAGE, headers={"Content-Type": "text/html"}))
    feed = Feed.objects.create(url=url, format=Feed.Format.RSS)

    (line,) = fetch()

    assert line.startswith(f"feed {feed.pk} {url}: error: feed-{feed.pk}.rss")
    feed = reloaded(feed)
    assert feed.last_status == Feed.Status.ERROR
    assert feed.last_import == counts(failed=1)
    assert not Article.objects.exists()


# -------------------------------------------------------------------------------------------
# Errors: kept on the feed, never raised


def test_items_that_fail_fail_alone_and_a_feed_whose_items_all_fail_is_an_error(server):
    empty = Item("https://wire.example.com/empty", "", "", NIAMEY.published)
    url = server.serve("/wire.rss", feed_reply(rss([NIAMEY, empty])))
    feed = Feed.objects.create(url=url)

    assert fetch() == [f"feed {feed.pk} {url}: ok: 1 created, 1 failed"]
    feed = reloaded(feed)
    assert feed.last_status == Feed.Status.OK
    assert feed.last_error.startswith(f"feed-{feed.pk}.rss#2")

    server.serve("/wire.rss", feed_reply(rss([empty, empty]), etag='"v2"'))
    (line,) = fetch(feed.pk)

    assert line.startswith(f"feed {feed.pk} {url}: error: feed-{feed.pk}.rss#1")
    assert line.endswith("(and 1 more)")
    feed = reloaded(feed)
    assert feed.last_status == Feed.Status.ERROR
    assert feed.last_import == counts(failed=2)
    assert [line.split(":")[0] for line in feed.last_error.splitlines()] == [
        f"feed-{feed.pk}.rss#1", f"feed-{feed.pk}.rss#2"]
    # Its validators are not kept: the next fetch reads it again instead of "not modified".
    assert feed.etag == '"v1"'
    fetch(feed.pk)
    assert server.hits("/wire.rss")[-1]["If-None-Match"] == '"v1"'


ERRORS = [
    ("server-error", Reply(500, b"oops"), 500, "HTTP 500 Internal Server Error"),
    ("gone", Reply(404, b"no"), 404, "HTTP 404 Not Found"),
    ("too-big", Reply(body=b"<rss>" + b" " * MAX_FILE_BYTES, headers={"Content-Type": RSS_TYPE}),
     200, f"the response is over the limit of {MAX_FILE_BYTES:,} bytes (its Content-Length: "
          f"{MAX_FILE_BYTES + 5:,})"),
    ("too-big-unsaid", Reply(body=b"<rss>" + b" " * MAX_FILE_BYTES, length=False,
                             headers={"Content-Type": RSS_TYPE}),
     200, f"the response is over the limit of {MAX_FILE_BYTES:,} bytes"),
    ("slow-answer", Reply(body=rss([NIAMEY]), delay=2), None, "timed out after 0.3 s"),
    ("slow-body", Reply(body=rss([NIAMEY]), chunk=100, drip=0.05), 200,
     "timed out after 0.3 s"),
]


@pytest.mark.parametrize(("reply", "status", "reason"), [case[1:] for case in ERRORS],
                         ids=[case[0] for case in ERRORS])
def test_a_failed_fetch_is_kept_on_the_feed_and_imports_nothing(server, settings, reply,
                                                                 status, reason):
    settings.FEEDS_TIMEOUT = 0.3
    url = server.serve("/wire.rss", reply)
    feed = Feed.objects.create(url=url, etag='"v0"', last_modified=LAST_MODIFIED)

    assert fetch() == [f"feed {feed.pk} {url}: error: {reason}"]

    feed = reloaded(feed)
    assert feed.last_status == Feed.Status.ERROR
    assert feed.last_error == reason
    assert feed.last_http_status == status
    assert (feed.etag, feed.last_modified) == ('"v0"', LAST_MODIFIED)
    assert feed.last_fetched_at is not None
    assert not Article.objects.exists()


def test_a_server_that_is_not_there_is_an_error(server):
    refused = Feed.objects.create(url=f"http://127.0.0.1:{free_port()}/wire.rss")
    unknown = Feed.objects.create(url="http://feeds.invalid/wire.rss")

    lines = fetch()

    assert lines[0] == f"feed {refused.pk} {refused.url}: error: connection refused"
    assert lines[1].startswith(f"feed {unknown.pk} {unknown.url}: error: cannot find the host "
                               "feeds.invalid: ")
    assert reloaded(refused).last_http_status is None


def test_one_feeds_error_never_stops_the_others(server):
    broken = Feed.objects.create(url=server.serve("/broken.rss", Reply(503)))
    working = Feed.objects.create(url=server.serve("/wire.rss", feed_reply(rss([NIAMEY]))))

    assert fetch() == [
        f"feed {broken.pk} {broken.url}: error: HTTP 503 Service Unavailable",
        f"feed {working.pk} {working.url}: ok: 1 created",
    ]


# -------------------------------------------------------------------------------------------
# Redirects


def redirect(code, to):
    return Reply(code, headers={"Location": to})


@pytest.mark.parametrize(("codes", "moved"), [
    ([302], False), ([307], False), ([301], True), ([308], True), ([301, 301], True),
    ([301, 302], False),
])
def test_redirects_are_followed_and_a_permanent_move_is_shown(server, codes, moved):
    target = server.serve("/new/wire.rss", feed_reply(rss([NIAMEY])))
    url = server.url("/hop0")
    for number, code in enumerate(codes):
        last = number == len(codes) - 1
        server.serve(f"/hop{number}", redirect(code, "/new/wire.rss" if last
                                               else f"/hop{number + 1}"))
    feed = Feed.objects.create(url=url)

    assert fetch() == [f"feed {feed.pk} {url}: ok: 1 created"]

    feed = reloaded(feed)
    assert feed.url == url  # an editor decides whether to follow a move
    assert feed.moved_to == (target if moved else "")
    assert feed.last_http_status == 200


def test_redirects_are_bounded_and_only_to_http(server):
    for number in range(polling.MAX_REDIRECTS + 1):
        server.serve(f"/loop{number}", redirect(302, f"/loop{number + 1}"))
    server.serve("/ftp", redirect(302, "ftp://wire.example.com/wire.rss"))
    server.serve("/file", redirect(302, "file:///etc/passwd"))
    looping = Feed.objects.create(url=server.url("/loop0"))
    to_ftp = Feed.objects.create(url=server.url("/ftp"))
    to_file = Feed.objects.create(url=server.url("/file"))

    lines = fetch()

    assert lines[0] == (f"feed {looping.pk} {looping.url}: error: more than 5 redirects (the "
                        f"last to {server.url('/loop6')})")
    assert lines[1] == (f"feed {to_ftp.pk} {to_ftp.url}: error: redirected to "
                        "ftp://wire.example.com/wire.rss: only http and https are followed")
    assert lines[2].startswith(f"feed {to_file.pk} {to_file.url}: error: HTTP 302")
    assert "file:///etc/passwd" in lines[2]
    assert len(server.hits(f"/loop{polling.MAX_REDIRECTS}")) == 1
    assert not server.hits(f"/loop{polling.MAX_REDIRECTS + 1}")


# -------------------------------------------------------------------------------------------
# `manage.py fetch_feeds`: which feeds


def situation(server):
    """A feed due (never fetched), one fetched a minute ago, and an inactive one."""
    now = timezone.now()
    due = Feed.objects.create(url=server.serve("/due.rss", feed_reply(rss([NIAMEY]))))
    recent = Feed.objects.create(url=server.serve("/recent.rss", feed_reply(rss([HARVEST]))),
                                 last_fetched_at=now - timedelta(minutes=1),
                                 next_fetch_at=now + timedelta(minutes=29))
    idle = Feed.objects.create(url=server.serve("/idle.rss", feed_reply(rss([ELECTIONS]))),
                               active=False)
    return due, recent, idle


def fetched_paths(server):
    return [path for path, _ in server.requests]


def test_the_command_fetches_the_due_feeds_once(server):
    due, _, _ = situation(server)

    assert fetch() == [f"feed {due.pk} {due.url}: ok: 1 created"]
    assert fetch() == ["No feed is due."]
    assert fetched_paths(server) == ["/due.rss"]


def test_all_fetches_every_active_feed_and_ids_name_any_feed(server):
    due, recent, idle = situation(server)

    assert fetch("--all") == [f"feed {due.pk} {due.url}: ok: 1 created",
                              f"feed {recent.pk} {recent.url}: ok: 1 created"]
    assert fetched_paths(server) == ["/due.rss", "/recent.rss"]
    assert fetch(idle.pk) == [f"feed {idle.pk} {idle.url}: ok: 1 created"]
    assert reloaded(idle).next_fetch_at > timezone.now()


def test_a_feed_that_does_not_exist_is_refused_and_nothing_is_fetched(server):
    due, _, _ = situation(server)

    with pytest.raises(CommandError, match=r"^No feed 999998, 999999: nothing fetched\.$"):
        fetch(due.pk, 999999, 999998)
    with pytest.raises(CommandError, match="feed ids or --all, not both"):
        fetch("--all", due.pk)

    assert server.requests == []


class AnotherFetcherMeanwhile:
    """A client whose first GET lets another fetcher run first, as a second worker would."""

    def __init__(self):
        self.client = polling.HttpClient(timeout=5)
        self.others = None

    def get(self, url, **conditions):
        if self.others is None:
            self.others = polling.fetch_feeds(client=self.client)
        return self.client.get(url, **conditions)


def test_a_due_feed_is_fetched_by_one_fetcher_only(server):
    first = Feed.objects.create(url=server.serve("/a.rss", feed_reply(rss([NIAMEY]))))
    second = Feed.objects.create(url=server.serve("/b.rss", feed_reply(rss([HARVEST]))))
    meanwhile = AnotherFetcherMeanwhile()

    mine = polling.fetch_feeds(client=meanwhile)

    assert [outcome.feed_id for outcome in mine] == [first.pk]
    assert [outcome.feed_id for outcome in meanwhile.others] == [second.pk]
    assert fetched_paths(server) == ["/b.rss", "/a.rss"]


# -------------------------------------------------------------------------------------------
# The job worker


def run_jobs():
    out = io.StringIO()
    call_command("run_jobs", "--once", stdout=out, stderr=io.StringIO(), verbosity=0)
    return out.getvalue()


def queued_polls():
    return DBTaskResult.objects.filter(task_path=polling.POLL_TASK, status="READY")


def time_passes(minutes):
    """Move every stored time of the feeds and the queue back, as if `minutes` went by."""
    ago = timedelta(minutes=minutes)
    Feed.objects.update(next_fetch_at=F("next_fetch_at") - ago,
                        last_fetched_at=F("last_fetched_at") - ago)
    DBTaskResult.objects.update(run_after=F("run_after") - ago)


@WORKER
def test_the_worker_fetches_the_due_feeds_on_their_interval(server):
    due, recent, _ = situation(server)

    run_jobs()

    assert fetched_paths(server) == ["/due.rss"]
    assert reloaded(due).last_status == Feed.Status.OK
    # The next poll waits for the next feed due: the one fetched a minute ago.
    (poll,) = queued_polls()
    assert poll.run_after == reloaded(recent).next_fetch_at
    run_jobs()
    assert fetched_paths(server) == ["/due.rss"]

    time_passes(29)
    run_jobs()
    assert fetched_paths(server) == ["/due.rss", "/recent.rss"]
    time_passes(1)  # the first feed's 30 minutes are up
    run_jobs()
    assert fetched_paths(server) == ["/due.rss", "/recent.rss", "/due.rss"]
    assert server.requests[-1][1]["If-None-Match"] == '"v1"'
    assert reloaded(due).last_status == Feed.Status.NOT_MODIFIED
    assert not server.hits("/idle.rss")
    assert queued_polls().count() == 1


@WORKER
def test_a_poll_a_stopped_worker_left_running_does_not_stop_polling(server):
    due, _, _ = situation(server)
    polling.schedule()
    # The worker was killed while it polled: its task stays "running" for ever.
    queued_polls().update(status="RUNNING")

    run_jobs()

    assert fetched_paths(server) == ["/due.rss"]
    assert reloaded(due).last_status == Feed.Status.OK


@WORKER
def test_without_active_feeds_the_worker_queues_no_poll(server):
    Feed.objects.create(url=server.url("/idle.rss"), active=False)

    run_jobs()

    assert not DBTaskResult.objects.exists()
    assert server.requests == []
