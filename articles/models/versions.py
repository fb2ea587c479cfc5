"""What an import read, kept beside the article (ImportedOriginal), and the versions of live
articles it holds for an editor (PendingVersion)."""

from django.conf import settings
from django.db import models
from django.db.models import (
    Q,
)

from .articles import Article, Source


class ImportedOriginal(models.Model):
    """A file exactly as the import read it, kept beside the article it became: what was
    scraped, against what the desk made of it. An article keeps its latest original, and the
    one each version held for an editor came from."""

    class Format(models.TextChoices):
        # The values of ingest.parse.TEXT and ingest.formats' format names.
        TEXT = "text", "Scraped text file"
        RSS = "rss", "RSS feed item"
        ATOM = "atom", "Atom feed entry"
        NINJS = "ninjs", "IPTC NINJS item"
        HTML = "html", "Saved article page"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="originals")
    content = models.BinaryField(help_text="The file's bytes, as read.")
    format = models.CharField(max_length=20, choices=Format.choices, default=Format.TEXT)
    file_name = models.CharField(max_length=300, help_text="As the import named the file.")
    fingerprint = models.CharField(
        max_length=64, help_text="Digest of the body read from it (see Article.fingerprint).")
    imported_at = models.DateTimeField()

    class Meta:
        ordering = ["-imported_at", "-pk"]
        verbose_name = "imported original"

    def __str__(self):
        return f"{self.file_name} ({self.imported_at:%Y-%m-%d %H:%M})"


class PendingVersionQuerySet(models.QuerySet):
    def waiting(self):
        return self.filter(state=PendingVersion.State.PENDING)


class PendingVersion(models.Model):
    """A new version of a published or withdrawn article, imported but not shown to readers
    until an editor accepts it (or dismisses it). Holds what the import would have written."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for an editor"
        ACCEPTED = "accepted", "Accepted"
        DISMISSED = "dismissed", "Dismissed"

    article = models.ForeignKey(Article, on_delete=models.CASCADE,
                                related_name="pending_versions")
    original = models.OneToOneField(ImportedOriginal, null=True, on_delete=models.SET_NULL,
                                    related_name="pending_version")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    # The values the import owns (see ingest.identity.Prepared.values), as the file gave them.
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="+")
    headline = models.CharField(max_length=300)
    headline_proposed = models.BooleanField(default=False)
    kicker = models.CharField(max_length=100, blank=True)
    image_caption = models.CharField(max_length=500, blank=True)
    body = models.TextField()
    language = models.CharField(max_length=8)
    original_url = models.URLField(max_length=500, blank=True)
    source_file = models.CharField(max_length=300, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    links = models.JSONField(default=list, help_text="RelatedLink values, in the page's order.")
    tags = models.JSONField(default=list, help_text="The names of the tags it adds.")
    digest = models.CharField(
        max_length=64, help_text="Digest of these values: the same file again adds no version.")
    imported_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = PendingVersionQuerySet.as_manager()

    # Prepared.values' names, which these columns hold.
    VALUE_FIELDS = ("source", "headline", "headline_proposed", "kicker", "image_caption", "body",
                    "language", "original_url", "source_file", "fingerprint")

    class Meta:
        ordering = ["-imported_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["article"], condition=Q(state="pending"),
                                    name="pendingversion_one_waiting_per_article"),
        ]

    def __str__(self):
        return f"Version of “{self.headline}” imported {self.imported_at:%Y-%m-%d %H:%M}"

    def values(self):
        """The article's values as the import would write them."""
        return {name: getattr(self, name) for name in self.VALUE_FIELDS}
