"""Feeds polled by URL: fetch each one with a conditional GET (bounded in time, size and
redirects) and import what came through the one import service, so that every rule of the
pipeline holds (identity, re-import, limits, `file#N` errors). `fetch_feeds` is what the
command, the desk's "Fetch now" and the job worker call.

Whatever goes wrong with a feed (DNS, a refused connection, a timeout, an HTTP error, a body
over the limit, a page that is no feed, items that all fail) is kept on the feed for the desk,
never raised. The worker polls through the task queue it already runs: `poll_feeds` fetches the
due feeds, then `schedule` queues the next poll for when the next feed is due.
"""

import http
import http.client
import logging
import socket
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Min
from django.utils import timezone
from django_tasks import task
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .ingest import formats
from .ingest.importer import import_paths
from .ingest.parse import MAX_FILE_BYTES
from .ingest.report import FAILED, STATUSES
from .models import Feed

logger = logging.getLogger(__name__)

SCHEMES = ("http", "https")
MAX_REDIRECTS = 5
READ_CHUNK = 64 * 1024
ERRORS_KEPT = 20  # failed items a feed lists; the count says how many more
ACCEPT = ("application/rss+xml, application/atom+xml, application/xml;q=0.9, "
          "application/json;q=0.9, text/xml;q=0.8, */*;q=0.1")

# The extension the import reads a body by (articles.ingest.formats chooses its parser by it).
BY_FORMAT = {Feed.Format.RSS: ".rss", Feed.Format.ATOM: ".atom", Feed.Format.NINJS: ".json"}
BY_CONTENT_TYPE = {
    "application/rss+xml": ".rss", "application/rdf+xml": ".rss",
    "application/atom+xml": ".atom",
    "application/xml": ".xml", "text/xml": ".xml",
    "application/json": ".json",
}
FEED_EXTENSIONS = (".rss", ".atom", ".xml", ".json")
HTML_TYPES = ("text/html", "application/xhtml+xml")


def user_agent():
    try:
        version = metadata.version("newsroom")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        version = "dev"
    return f"Newsroom/{version} (feed poller)"


# ---------------------------------------------------------------------------------------------
# HTTP


class FetchError(Exception):
    """A fetch that brought nothing to import: `reason` for the desk, `status` the HTTP status
    when a response came."""

    def __init__(self, reason, status=None):
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str = ""
    etag: str = ""
    last_modified: str = ""
    url: str = ""  # after redirects
    moved_to: str = ""  # where permanent redirects alone led (a temporary one on the way: "")


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follows at most `limit` redirects, to http and https only, within the fetch's time."""

    def __init__(self, limit, deadline, timeout):
        self.limit, self.deadline, self.timeout = limit, deadline, timeout
        self.hops = []  # (status, URL) of each redirect followed

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        # The redirect's own body is never read: it could be of any size.
        fp.close()
        if urlsplit(newurl).scheme.lower() not in SCHEMES:
            raise FetchError(f"redirected to {newurl}: only http and https are followed", code)
        if len(self.hops) >= self.limit:
            raise FetchError(f"more than {self.limit} redirects (the last to {newurl})", code)
        if time.monotonic() > self.deadline:
            raise FetchError(f"timed out after {self.timeout:g} s", code)
        self.hops.append((code, newurl))
        return super().redirect_request(req, fp, code, msg, headers, newurl)

    @property
    def moved_to(self):
        permanent = self.hops and all(code in (301, 308) for code, _ in self.hops)
        return self.hops[-1][1] if permanent else ""


class HttpClient:
    """GETs a feed: conditional (If-None-Match, If-Modified-Since), given up after `timeout`
    seconds (no wait on the network lasts longer, and none starts once they are past), no more
    than `max_bytes` read, at most `max_redirects` redirects followed. Standard library only
    (urllib): a GET needs no more, and every step is bounded here."""

    def __init__(self, *, timeout=10.0, max_bytes=MAX_FILE_BYTES, max_redirects=MAX_REDIRECTS,
                 agent=None):
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.agent = agent or user_agent()

    def get(self, url, *, etag="", last_modified=""):
        """The response to a GET of `url` (status 304 when not modified, with no body). Raises
        FetchError for anything else than a 2xx or 304 response read whole."""
        if urlsplit(url).scheme.lower() not in SCHEMES:
            raise FetchError(f"{url}: only http and https URLs are fetched")
        deadline = time.monotonic() + self.timeout
        redirects = _Redirects(self.max_redirects, deadline, self.timeout)
        # Only what an http(s) GET needs: no file:, ftp: or data: handler to be led to.
        opener = urllib.request.OpenerDirector()
        for handler in (urllib.request.ProxyHandler(), urllib.request.HTTPHandler(),
                        urllib.request.HTTPSHandler(), urllib.request.HTTPDefaultErrorHandler(),
                        redirects, urllib.request.HTTPErrorProcessor()):
            opener.add_handler(handler)
        headers = {"User-Agent": self.agent, "Accept": ACCEPT}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        # The scheme is checked above, and the opener has no other handler than http(s).
        request = urllib.request.Request(url, headers=headers)  # noqa: S310
        try:
            with opener.open(request, timeout=self.timeout) as answer:
                body = self._read(answer, deadline)
                return Response(answer.status, body, answer.headers.get("Content-Type", ""),
                                answer.headers.get("ETag", ""),
                                answer.headers.get("Last-Modified", ""), answer.url,
                                redirects.moved_to)
        except urllib.error.HTTPError as error:
            with error:
                if error.code == http.HTTPStatus.NOT_MODIFIED:
                    return Response(error.code, etag=error.headers.get("ETag", ""),
                                    last_modified=error.headers.get("Last-Modified", ""),
                                    url=error.url, moved_to=redirects.moved_to)
                raise FetchError(_http_reason(error.code, error.reason), error.code) from None
        except FetchError:
            raise
        except (TimeoutError, urllib.error.URLError, OSError, http.client.HTTPException) as error:
            last = redirects.hops[-1][1] if redirects.hops else url
            raise FetchError(self._network_reason(error, urlsplit(last).hostname)) from None

    def _read(self, answer, deadline):
        declared = answer.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(f"{self._too_big()} (its Content-Length: {int(declared):,})",
                             answer.status)
        chunks, size = [], 0
        while size <= self.max_bytes:
            if time.monotonic() > deadline:
                raise FetchError(f"timed out after {self.timeout:g} s", answer.status)
            # read1: one wait on the network at most, so the deadline is checked between them.
            chunk = answer.read1(min(READ_CHUNK, self.max_bytes + 1 - size))
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            size += len(chunk)
        raise FetchError(self._too_big(), answer.status)

    def _too_big(self):
        return f"the response is over the limit of {self.max_bytes:,} bytes"

    def _network_reason(self, error, host):
        reason = getattr(error, "reason", error) if isinstance(error, urllib.error.URLError) \
            else error
        if isinstance(reason, TimeoutError):
            return f"timed out after {self.timeout:g} s"
        if isinstance(reason, socket.gaierror):
            return f"cannot find the host {host}: {reason.strerror}"
        if isinstance(reason, ConnectionRefusedError):
            return "connection refused"
        if isinstance(reason, http.client.HTTPException):
            return f"the server's answer broke off ({type(reason).__name__}: {reason})"
        if isinstance(reason, OSError) and reason.strerror:
            return f"cannot connect: {reason.strerror}"
        return f"cannot connect: {reason}"


def _http_reason(code, phrase=""):
    return f"HTTP {code} {phrase or http.client.responses.get(code, '')}".strip()


def client_from_settings():
    return HttpClient(timeout=settings.FEEDS_TIMEOUT)


# ---------------------------------------------------------------------------------------------
# The format of what came


def extension_for(feed_format, response):
    """The extension the import reads `response`'s body by: the feed's format when chosen;
    else its Content-Type, the URL's extension, then the body's first bytes. Raises FetchError
    for an HTML page or a body of no format it can tell."""
    if feed_format in BY_FORMAT:
        return BY_FORMAT[feed_format]
    media = response.content_type.split(";")[0].strip().lower()
    if media in BY_CONTENT_TYPE:
        return BY_CONTENT_TYPE[media]
    if media.endswith("+json"):
        return ".json"
    if media.endswith("+xml") and media not in HTML_TYPES:
        return ".xml"
    sniffed = _sniff(response.body)
    if media in HTML_TYPES or sniffed == "html":
        # Servers that call every file text/html are common: a feed says what it is itself.
        if sniffed in FEED_EXTENSIONS:
            return sniffed
        raise FetchError(f"not a feed: the server sent an HTML page ({media or 'no type'})",
                         response.status)
    by_url = formats.extension(urlsplit(response.url).path)
    if by_url in FEED_EXTENSIONS:
        return by_url
    if sniffed:
        return sniffed
    raise FetchError(f"not a feed it can read: the server sent {media or 'no Content-Type'}; "
                     "choose the feed's format if it is RSS, Atom or NINJS", response.status)


def _sniff(body):
    """What the body's first bytes say it is: ".xml", ".json", "html", or "" (no telling)."""
    start = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html")) or (
            start.startswith(b"<?xml") and b"<html" in start):
        return "html"
    if start.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf:rdf")):
        return ".xml"
    if start.startswith((b"{", b"[")):
        return ".json"
    return ""


# ---------------------------------------------------------------------------------------------
# The service


@dataclass(frozen=True)
class Outcome:
    """What one fetch of a feed came to, as the command prints it."""

    feed_id: int
    url: str
    status: str  # a Feed.Status
    summary: str

    def __str__(self):
        return f"feed {self.feed_id} {self.url}: {Feed.Status(self.status).label.lower()}: " \
               f"{self.summary}"


class UnknownFeeds(LookupError):
    """Feeds asked for by id that do not exist; nothing was fetched."""


def fetch_feeds(feed_ids=None, *, every=False, client=None, now=None):
    """Fetch and import feeds: those of `feed_ids` (active or not), else every active feed if
    `every`, else the active ones that are due; returns an Outcome each, in order. A due feed
    is taken by one fetcher only (the worker, the command) until its next time. Raises
    UnknownFeeds, having fetched nothing, when an id names no feed. `now`: the time the
    fetches start at (the clock's, feed by feed, when not given)."""
    client = client or client_from_settings()
    asked = feed_ids or every
    if feed_ids:
        order = [int(pk) for pk in feed_ids]
        feeds = list(Feed.objects.filter(pk__in=order).select_related("source"))
        missing = sorted(set(order) - {feed.pk for feed in feeds})
        if missing:
            raise UnknownFeeds(f"no feed {', '.join(map(str, missing))}")
        feeds.sort(key=lambda feed: order.index(feed.pk))
    elif every:
        feeds = list(Feed.objects.filter(active=True).select_related("source").order_by("pk"))
    else:
        feeds = list(Feed.objects.due(now).select_related("source").order_by("pk"))
    outcomes = []
    for feed in feeds:
        moment = now or timezone.now()
        # Taken one at a time, just before its fetch: a worker stopped half-way has left the
        # others due. A due feed another fetcher took since it was read is passed over.
        taken = Feed.objects.filter(pk=feed.pk)
        if not asked:
            taken = taken.filter(next_fetch_at=feed.next_fetch_at)
        if taken.update(next_fetch_at=feed.fetch_after(moment)):
            outcomes.append(fetch_feed(feed, client=client, now=moment))
    return outcomes


def fetch_feed(feed, *, client=None, now=None):
    """Fetch `feed` once and import what came; record the outcome on it (never raised)."""
    now = now or timezone.now()
    client = client or client_from_settings()
    fields = {"last_fetched_at": now}
    try:
        fields.update(_fetch_and_import(feed, client))
    except Exception as error:  # a bug, a library's surprise: the feed says so, the rest go on
        logger.exception("Internal error fetching feed %s (%s)", feed.pk, feed.url)
        fields.update(last_status=Feed.Status.ERROR,
                      last_error=f"internal error: {type(error).__name__}: {error}, see the log")
    Feed.objects.filter(pk=feed.pk).update(**fields)
    for name, value in fields.items():
        setattr(feed, name, value)
    return Outcome(feed.pk, feed.url, feed.last_status, _summary(feed))


def _fetch_and_import(feed, client):
    """The fields of the feed its fetch changes."""
    try:
        response = client.get(feed.url, etag=feed.etag, last_modified=feed.last_modified)
    except FetchError as error:
        return {"last_status": Feed.Status.ERROR, "last_error": error.reason,
                "last_http_status": error.status, "moved_to": ""}
    fields = {"last_http_status": response.status, "moved_to": response.moved_to}
    if response.status == http.HTTPStatus.NOT_MODIFIED:
        # Nothing to import; the server may renew its validators.
        fields.update(last_status=Feed.Status.NOT_MODIFIED, last_error="")
        fields.update({name: value for name, value in (("etag", response.etag),
                                                       ("last_modified",
                                                        response.last_modified)) if value})
        return fields
    try:
        extension = extension_for(feed.format, response)
    except FetchError as error:
        return {**fields, "last_status": Feed.Status.ERROR, "last_error": error.reason}
    report = import_body(feed, response.body, extension)
    fields["last_import"] = report.counts()
    failed = [str(result) for result in report.failures]
    shown = failed[:ERRORS_KEPT]
    if len(failed) > len(shown):
        shown.append(f"and {len(failed) - len(shown):,} more")
    fields["last_error"] = "\n".join(shown)
    if report.files and report.totals[FAILED] == report.files:
        # Its validators are not kept: the next fetch imports it again (a fixed parser, a
        # fixed feed) instead of hearing "not modified".
        fields["last_status"] = Feed.Status.ERROR
    else:
        fields.update(last_status=Feed.Status.OK, etag=response.etag,
                      last_modified=response.last_modified)
    return fields


def import_body(feed, body, extension):
    """Import a fetched body through the import service, as the file `feed-<id><extension>`
    (the name its report lines carry). Returns the ImportReport."""
    with tempfile.TemporaryDirectory(prefix="newsroom-feed-") as folder:
        path = Path(folder) / f"feed-{feed.pk}{extension}"
        path.write_bytes(body)
        return import_paths([path], relative_to=folder,
                            source_name=feed.source.name if feed.source else "",
                            publish=feed.publish, allow_publish=feed.publish,
                            keep_results=False)


def import_summary(counts):
    """What an import did, in words: "3 created, 1 unchanged" ("no items" when none)."""
    words = [f"{counts.get(status, 0):,} {status}" for status in STATUSES
             if counts.get(status)]
    return ", ".join(words) or "no items"


def _summary(feed):
    if feed.last_status == Feed.Status.NOT_MODIFIED:
        return f"HTTP {feed.last_http_status}, nothing imported"
    if feed.last_status == Feed.Status.OK:
        return import_summary(feed.last_import)
    lines = feed.last_error.splitlines() or [""]
    more = f" (and {len(lines) - 1:,} more)" if len(lines) > 1 else ""
    return f"{lines[0]}{more}"


# ---------------------------------------------------------------------------------------------
# The worker


@task()
def poll_feeds(feed_ids=None):
    """The job worker's task: fetch the due feeds (or those of `feed_ids`, for the desk's
    "Fetch now"), then queue the next poll."""
    try:
        # Feeds deleted since they were asked for are passed over.
        ids = list(Feed.objects.filter(pk__in=feed_ids).values_list("pk", flat=True)) \
            if feed_ids else None
        outcomes = [] if feed_ids and not ids else fetch_feeds(ids)
    finally:
        schedule()
    return {"fetched": len(outcomes),
            "errors": sum(outcome.status == Feed.Status.ERROR for outcome in outcomes)}


POLL_TASK = poll_feeds.module_path  # its task_path in the queue


def schedule(now=None):
    """Queue the worker's next poll for when the first active feed is due, unless a poll is
    queued by then already. The worker calls it when it starts, and each poll when it ends;
    the desk when a feed changes. Returns the task result queued, or None."""
    now = now or timezone.now()
    active = Feed.objects.filter(active=True)
    if active.filter(next_fetch_at__isnull=True).exists():
        due = now
    else:
        due = active.aggregate(first=Min("next_fetch_at"))["first"]
        if due is None:
            return None  # no active feed
        due = max(due, now)
    queued = DBTaskResult.objects.filter(task_path=POLL_TASK, status=TaskResultStatus.READY,
                                         run_after__lte=due)
    if queued.exists():
        return None
    return poll_feeds.using(run_after=due).enqueue()


def fetch_now(feeds):
    """Have the worker fetch `feeds` at once (the desk's "Fetch now" with background jobs)."""
    ids = [feed.pk for feed in feeds]
    return poll_feeds.enqueue(ids) if ids else None
