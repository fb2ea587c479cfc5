"""Feeds the newsroom polls by URL (articles.polling fetches them; the job worker on their
interval). Here and not in models.py, which is long enough; models.py imports it, so the model
is `articles.models.Feed` like every other."""

from datetime import timedelta

from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

MIN_INTERVAL = 5  # minutes: more often would hammer a partner's server for little news
DEFAULT_INTERVAL = 30
MAX_INTERVAL = 7 * 24 * 60  # a week


class FeedQuerySet(models.QuerySet):
    def due(self, now=None):
        """The active feeds whose time to be fetched has come (a new one's at once)."""
        now = now or timezone.now()
        return self.filter(active=True).filter(
            Q(next_fetch_at__isnull=True) | Q(next_fetch_at__lte=now))


class Feed(models.Model):
    """A feed (RSS, Atom or NINJS) the newsroom fetches on its interval and imports through the
    one import service, with what its last fetch did."""

    class Format(models.TextChoices):
        AUTO = "auto", "Automatic"
        RSS = "rss", "RSS"
        ATOM = "atom", "Atom"
        NINJS = "ninjs", "IPTC NINJS (JSON)"

    class Status(models.TextChoices):
        NEW = "", "Not fetched yet"
        OK = "ok", "OK"
        NOT_MODIFIED = "not_modified", "Not modified"
        ERROR = "error", "Error"

    url = models.URLField(
        "URL", max_length=2000, unique=True,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="The feed's address (http or https).")
    format = models.CharField(
        max_length=10, choices=Format.choices, default=Format.AUTO,
        help_text="How to read what the URL returns. Automatic reads the Content-Type "
                  "(RSS, Atom, XML or JSON), else the URL's extension, else the first bytes.")
    source = models.ForeignKey(
        "Source", null=True, blank=True, on_delete=models.SET_NULL, related_name="feeds",
        help_text="The publication its articles belong to. Empty: the feed's own title "
                  "(its channel's, or NINJS's copyright holder), created if new.")
    interval = models.PositiveIntegerField(
        "polling interval", default=DEFAULT_INTERVAL,
        validators=[MinValueValidator(MIN_INTERVAL), MaxValueValidator(MAX_INTERVAL)],
        help_text=f"Minutes between two fetches by the job worker ({MIN_INTERVAL} to "
                  f"{MAX_INTERVAL:,}).")
    active = models.BooleanField(
        default=True, help_text="Fetched by the job worker on its interval. An inactive feed "
                                "is fetched only when asked (Fetch now, fetch_feeds FEED_ID).")
    publish = models.BooleanField(
        default=False,
        help_text="Publish its new articles at once (only someone who may publish can set "
                  "this). Otherwise they wait on the desk as drafts. A new version of a "
                  "published story is held for an editor either way.")
    next_fetch_at = models.DateTimeField(
        null=True, blank=True, db_index=True,
        help_text="When the worker fetches it next; empty: at once.")
    last_fetched_at = models.DateTimeField(
        null=True, blank=True, help_text="When its last fetch started.")
    last_status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.NEW, blank=True,
        help_text="What the last fetch came to: imported, not modified since the fetch "
                  "before (HTTP 304), or an error.")
    last_error = models.TextField(
        blank=True, help_text="Why the last fetch failed; or, when it imported, the items "
                              "that failed, one a line.")
    last_http_status = models.PositiveSmallIntegerField(
        "last HTTP status", null=True, blank=True,
        help_text="The HTTP status of the last response (after redirects); empty when none "
                  "came (DNS, refused, timeout).")
    last_import = models.JSONField(
        default=dict, blank=True,
        help_text="What the last import of the feed did: articles created, updated, "
                  "unchanged, skipped, held and failed.")
    moved_to = models.URLField(
        max_length=2000, blank=True,
        help_text="Where a permanent redirect (301, 308) sent the last fetch. The feed keeps "
                  "its URL: change it to this one if the move is for good.")
    etag = models.CharField(
        "ETag", max_length=500, blank=True,
        help_text="The ETag of the last response imported, sent back as If-None-Match.")
    last_modified = models.CharField(
        max_length=100, blank=True,
        help_text="The Last-Modified of the last response imported, sent back as "
                  "If-Modified-Since.")

    objects = FeedQuerySet.as_manager()

    class Meta:
        ordering = ["url"]
        constraints = [
            models.CheckConstraint(
                condition=Q(interval__gte=MIN_INTERVAL) & Q(interval__lte=MAX_INTERVAL),
                name="feed_interval_in_range"),
        ]

    def __str__(self):
        return self.url

    def fetch_after(self, moment):
        """When the feed is due again after a fetch started at `moment`."""
        return moment + timedelta(minutes=self.interval)
