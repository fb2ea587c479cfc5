from django.conf import settings
from django.db import models
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone
from taggit.managers import TaggableManager
from taggit.models import Tag, TaggedItemBase

from . import search
from .publication import PUBLISHED, is_published, last_change, published_q
from .signals import MAX_NAMED, content_changed
from .slugs import url_for_slug
from .text import lead_of, match_keys, normalise, paragraphs_of

# Articles about one country beyond which they are found down the date index, not by id (see
# ArticleQuerySet.about_country).
COMMON_COUNTRY = 5000

# What a card shows of an article (a feed entry adds its updated time).
CARD_FIELDS = ("headline", "slug", "kicker", "lead", "language", "status", "published_at",
               "source")


class Source(models.Model):
    """A publication or wire service that articles come from."""

    class Kind(models.TextChoices):
        OUTLET = "outlet", "News outlet"
        WIRE = "wire", "Wire service"
        BROADCASTER = "broadcaster", "Broadcaster"
        AGENCY = "agency", "Press agency"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True, allow_unicode=True)
    homepage_url = models.URLField("homepage URL", blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OUTLET)
    country = models.CharField(
        max_length=2, blank=True, help_text="ISO 3166 two-letter code of the home country."
    )
    language = models.CharField(
        max_length=8, blank=True, help_text="The language it mostly publishes in (ISO 639-1)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return url_for_slug("articles:source", self.slug)


class ArticleQuerySet(models.QuerySet):
    _counted_as = None  # see counted_as()

    def _clone(self):
        clone = super()._clone()
        clone._counted_as = self._counted_as
        return clone

    def _filter_or_exclude(self, negate, args, kwargs):
        clone = super()._filter_or_exclude(negate, args, kwargs)
        clone._counted_as = None  # other rows now: counted as they are
        return clone

    def none(self):
        clone = super().none()
        clone._counted_as = None
        return clone

    def counted_as(self, rows):
        """These articles, to be counted as `rows`: the same articles in a query the database
        counts faster (see pagination.count_up_to). A later filter forgets it."""
        clone = self._chain()
        clone._counted_as = rows
        return clone

    def published(self):
        """What readers may see (see published_q)."""
        return self.filter(published_q())

    def scheduled(self):
        """Published, with a published time still to come."""
        return self.filter(status=Article.Status.PUBLISHED).exclude(published_q())

    def visible_to(self, user):
        """What `user` may open: staff preview everything, readers see what is published."""
        return self.all() if user.is_active and user.is_staff else self.published()

    def for_listing(self, *fields):
        """What a list of article cards shows (headline, kicker, lead, source and time), and
        `fields`, newest first."""
        return (
            self.select_related("source")
            .only(*CARD_FIELDS, *fields, "source__name", "source__slug")
            .order_by("-published_at", "-pk")
        )

    def search(self, text):
        """Articles holding every word of `text` (see articles.search)."""
        return search.matching(self, text)

    def related_to(self, article, tags, limit=5):
        """Articles sharing the most of `tags` (the article's) with `article`, best first."""
        if not tags:
            return self.none()
        return (
            self.exclude(pk=article.pk)
            .filter(tags__in=tags)
            .annotate(shared_tags=Count("tags", distinct=True))
            .select_related("source")
            .order_by("-shared_tags", "-published_at", "-pk")[:limit]
        )

    def about_country(self, code):
        """Articles about the country `code` (ISO 3166-1 alpha-2; see ArticleCountry).

        Two plans, chosen by one bounded count in the index of countries: the articles about a
        rare country are joined from that index and sorted, being few; those about a common one
        are found by reading the articles down their date index, each checked against the index
        of its own countries, until a page is full. Either plan alone is slow for the other kind
        of country: sorting every article about one of the commonest, or reading the whole
        archive for a country that no article is about."""
        rows = ArticleCountry.objects.using(self.db).filter(code=code)
        if rows.order_by()[:COMMON_COUNTRY + 1].count() > COMMON_COUNTRY:
            return self.filter(Exists(rows.filter(article=OuterRef("pk"))))
        # One row per article and country (ArticleCountry.Meta): the join repeats none.
        return self.filter(countries__code=code)

    def with_video(self):
        return self.filter(
            Exists(RelatedLink.objects.filter(article=OuterRef("pk"), kind=RelatedLink.Kind.VIDEO))
        )

    def with_link_counts(self):
        """Each article's related links and unresolved ones, as correlated subqueries: cheaper
        than a GROUP BY over the whole table when only a page of articles is shown."""
        links = RelatedLink.objects.filter(article=OuterRef("pk")).order_by().values("article")
        count = Count("pk")
        return self.annotate(
            link_count=Coalesce(Subquery(links.annotate(n=count).values("n")), 0),
            unresolved_count=Coalesce(
                Subquery(links.filter(target__isnull=True).annotate(n=count).values("n")), 0
            ),
        )


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        REVIEW = "review", "Ready for review"
        PUBLISHED = PUBLISHED, "Published"
        UNPUBLISHED = "unpublished", "Unpublished"

    # What a reporter may set; the rest needs the "publish" permission.
    REPORTER_STATUSES = (Status.DRAFT, Status.REVIEW)

    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="articles",
        help_text="The publication the story came from.",
    )
    headline = models.CharField(max_length=300)
    headline_proposed = models.BooleanField(
        "headline proposed by the import", default=False,
        help_text="The file had no headline, so the import drafted one from the lead sentence. "
                  "An editor should write a real one.",
    )
    slug = models.SlugField(max_length=120, unique=True, allow_unicode=True)
    kicker = models.CharField(
        max_length=100, blank=True, help_text="A short label above the headline, e.g. “Russia”."
    )
    image_caption = models.CharField(max_length=500, blank=True)
    body = models.TextField(help_text="Paragraphs separated by a blank line.")
    lead = models.TextField(
        blank=True, editable=False,
        help_text="The body's first paragraph, kept with it for cards, feeds and search results.",
    )
    language = models.CharField(max_length=8, default="en", help_text="ISO 639-1 code.")
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(
        "published time", null=True, blank=True, db_index=True,
        help_text="Readers see a published article from this time on; a future time schedules it.",
    )
    original_url = models.URLField(
        "original URL", max_length=500, blank=True,
        help_text="Where the story was first published; it identifies the story on re-import.",
    )
    source_file = models.CharField(
        "imported from", max_length=300, blank=True,
        help_text="The file the import read, relative to the folder it was given.",
    )
    fingerprint = models.CharField(
        max_length=64, blank=True, editable=False,
        help_text="Digest of the imported body; with the source it identifies a story that has "
                  "no original URL.",
    )
    import_digest = models.CharField(
        max_length=64, blank=True, editable=False,
        help_text="Digest of what the last import wrote; a difference means an editor changed it.",
    )
    imported_at = models.DateTimeField(null=True, blank=True, editable=False)
    corrected_at = models.DateTimeField(
        "last corrected", null=True, blank=True, editable=False,
        help_text="When the latest correction or update was noted; empty if there is none.",
    )
    # Normalised keys that related links from other files are matched against.
    headline_key = models.CharField(max_length=300, blank=True, editable=False, db_index=True)
    lead_key = models.CharField(max_length=120, blank=True, editable=False, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    tags = TaggableManager(through="TaggedArticle", blank=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["original_url"], condition=~Q(original_url=""),
                name="article_unique_original_url",
            ),
            models.UniqueConstraint(
                fields=["source", "fingerprint"],
                condition=Q(original_url="") & ~Q(fingerprint=""),
                name="article_unique_source_fingerprint",
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="article_published_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-published_at"]),
            # The import looks articles up by these, a batch at a time.
            models.Index(fields=["fingerprint"], name="article_fingerprint_idx"),
            models.Index(fields=["original_url"], name="article_original_url_idx"),
            # The desk's language filter lists the languages in use: from this index, not from
            # a pass over every article.
            models.Index(fields=["language"], name="article_language_idx"),
        ]
        permissions = [
            ("publish_article", "Can publish, unpublish and schedule articles"),
            ("import_articles", "Can import article files from the browser"),
        ]

    def __str__(self):
        return self.headline

    def save(self, *args, **kwargs):
        self.refresh_derived_fields()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], *self.DERIVED_FIELDS}
        elif self.pk:
            # A copy loaded before a correction was noted must not write its old time back.
            self.corrected_at = (Correction.objects.filter(article=self).order_by("-noted_at")
                                 .values_list("noted_at", flat=True).first())
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return url_for_slug("articles:detail", self.slug)

    # Kept in step with the headline and body on every save, whoever writes.
    DERIVED_FIELDS = ("lead", "headline_key", "lead_key")

    @staticmethod
    def derived_values(headline, lead, normalised_lead):
        """DERIVED_FIELDS' values: the stored lead, and the keys related items from other
        files find the article by (the import passes the lead it already normalised)."""
        return {"lead": lead, **match_keys(headline, normalised_lead)}

    def refresh_derived_fields(self):
        lead = lead_of(self.body)
        for name, value in self.derived_values(self.headline, lead, normalise(lead)).items():
            setattr(self, name, value)

    @property
    def paragraphs(self):
        return paragraphs_of(self.body)

    @property
    def modified_at(self):
        return last_change(self)

    @property
    def is_public(self):
        """Whether readers may see it now (the publication rule)."""
        return is_published(self)

    def tags_by_name(self):
        """The article's tags, by name, through the typed tag rows (taggit's manager builds its
        query for any model, at several times the cost)."""
        return Tag.objects.filter(articles_taggedarticle_items__content_object=self).order_by(
            "name", "pk")

    def correction_notes(self):
        """Its corrections and updates, newest first (no query for an article that has none,
        which is most of them)."""
        return list(self.corrections.all()) if self.corrected_at else []

    def sidebar(self):
        """(videos, stories): the related items in order, as the original page's two boxes."""
        links = list(self.related_links.for_sidebar())
        return ([link for link in links if link.kind == RelatedLink.Kind.VIDEO],
                [link for link in links if link.kind == RelatedLink.Kind.STORY])


class Correction(models.Model):
    """A dated note an editor appends to a published article; readers see it at the end."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", "Correction"
        UPDATE = "update", "Update"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="corrections")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.CORRECTION)
    note = models.TextField(help_text="What was wrong and what is right now, in plain words.")
    noted_at = models.DateTimeField(
        "date", default=timezone.now, help_text="When the correction or update was made."
    )

    class Meta:
        ordering = ["-noted_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.noted_at:%Y-%m-%d}"



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


class TaggedArticle(TaggedItemBase):
    """Typed tag rows: plain foreign keys join faster than taggit's generic relation."""

    content_object = models.ForeignKey(Article, on_delete=models.CASCADE)

    def __str__(self):
        # Cheap: a revision names every row it records, and the default reads the article and
        # the tag.
        return f"tag {self.tag_id} of article {self.content_object_id}"


# Links resolved by one call beyond which the change is announced as everything, not by article.
_LINKS_NAMED = 10 * MAX_NAMED

SIDEBAR_FIELDS = ("article", "position", "kind", "title", "teaser", "truncated", "duration_seconds",
                  "language", "url", "target")


class RelatedLinkQuerySet(models.QuerySet):
    def unresolved(self):
        return self.filter(target__isnull=True)

    def resolve(self):
        """Point the unresolved links among these at the articles they name; returns how many
        resolved.

        Videos match an article's headline, story teasers the start of an article's lead;
        published articles first, newest first: that is the story a reader should land on. Two
        UPDATE statements whatever the size of the archive, each link finding its article
        through an index, so the cost grows with the links, not with their square."""
        pending = self.unresolved()
        resolved, changed = 0, set()
        everything = False
        for prefix, key in (("h:", "headline_key"), ("l:", "lead_key")):
            best = (
                Article.objects.filter(**{key: Substr(OuterRef("match_key"), len(prefix) + 1)})
                .exclude(pk=OuterRef("article_id"))
                .order_by(
                    Case(When(status=Article.Status.PUBLISHED, then=0), default=1),
                    F("published_at").desc(nulls_last=True),
                    "-pk",
                )
                .values("pk")[:1]
            )
            matched = pending.filter(match_key__startswith=prefix).filter(Exists(best))
            if not everything:  # which sidebars change, while they are few enough to name
                # No DISTINCT: it would find every match before the limit applies.
                rows = list(matched.values_list("article_id", flat=True)[:_LINKS_NAMED])
                changed.update(rows)
                everything = len(rows) == _LINKS_NAMED or len(changed) > MAX_NAMED
            resolved += matched.update(target=Subquery(best))
        if resolved:
            # An update sends no model signals: the sidebars that now link somewhere changed.
            content_changed.send(sender=RelatedLink, articles=() if everything else changed,
                                 everything=everything)
        return resolved

    def for_sidebar(self):
        """The items in the page's order, each with what its target's link needs: its slug and
        whether readers may see it."""
        return (
            self.select_related("target")
            .only(*SIDEBAR_FIELDS, "target__slug", "target__status", "target__published_at")
            .order_by("position", "pk")
        )


class RelatedLink(models.Model):
    """One item of an article's sidebar, in the order the original page showed it."""

    class Kind(models.TextChoices):
        VIDEO = "video", "Video"
        STORY = "story", "Story"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="related_links")
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in the sidebar.")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(max_length=300, blank=True, help_text="A video's title.")
    teaser = models.TextField(blank=True, help_text="A story's teaser, as the page showed it.")
    truncated = models.BooleanField(
        default=False, help_text="The page cut the teaser off; readers see an ellipsis."
    )
    duration_seconds = models.PositiveIntegerField(
        null=True, blank=True,
        help_text="Length of a video; empty where the page only said “Go to video”.",
    )
    language = models.CharField(
        max_length=8, blank=True, help_text="Set when the item is in another language than the "
                                            "article (ISO 639-1).",
    )
    target = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="linked_from",
        help_text="Our article this item points to; empty while unresolved.",
    )
    url = models.URLField("external URL", max_length=500, blank=True)
    # Not indexed: links are matched from the unresolved ones (their target's index) to the
    # articles' key indexes, never looked up by key.
    match_key = models.CharField(
        max_length=300, blank=True, editable=False,
        help_text="Normalised text the import matches against headlines and leads.",
    )

    objects = RelatedLinkQuerySet.as_manager()

    class Meta:
        # Not unique: editors renumber items one at a time, and ties keep their insertion order.
        ordering = ["article", "position", "pk"]
        indexes = [
            models.Index(fields=["article", "position"], name="relatedlink_order_idx"),
            # The desk's "unresolved links" filter: the few unresolved among many links.
            models.Index(fields=["article"], condition=Q(target__isnull=True),
                         name="relatedlink_unresolved_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="video") | Q(duration_seconds__isnull=True),
                name="relatedlink_only_videos_have_duration",
            ),
            models.CheckConstraint(
                condition=~Q(title="") | ~Q(teaser=""), name="relatedlink_has_text"
            ),
        ]

    def __str__(self):
        return self.title or self.teaser

    @property
    def text(self):
        return self.title or self.teaser

    @property
    def public_target(self):
        """The article this item links to, if readers may see it."""
        return self.target if self.target_id and self.target.is_public else None


# ---------------------------------------------------------------------------------------------
# Imports from the browser, run in the background (articles.jobs)


class ImportJob(models.Model):
    """An upload from the browser, imported by the job worker (`manage.py run_jobs`): who sent
    what and when, how far it got, and what it did. Its page and the job list read this row
    and its entries alone, never the task queue."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="import_jobs",
        help_text="Who uploaded the files.",
    )
    created_at = models.DateTimeField("queued at", default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat = models.DateTimeField(
        null=True, blank=True, help_text="When the worker last said it was at work on it.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED,
                             db_index=True)
    uploads = models.JSONField(default=list, help_text="The uploaded files: name and size.")
    source_name = models.CharField(max_length=200, blank=True)
    publish = models.BooleanField(default=False)
    dry_run = models.BooleanField(default=False)
    allow_publish = models.BooleanField(
        default=False, help_text="Whether the uploader could publish when they uploaded.")
    not_imported = models.JSONField(
        default=list, help_text="Zip members the import does not take, reported as failed.")
    folder = models.CharField(max_length=100, blank=True,
                              help_text="The job's folder in IMPORT_JOBS_DIR, while it runs.")
    task_id = models.CharField(max_length=64, blank=True,
                               help_text="The task queue's id of its latest run.")
    worker = models.CharField(max_length=64, blank=True,
                              help_text="The worker running it: host and process id.")
    attempts = models.PositiveSmallIntegerField(default=0)
    files_total = models.PositiveIntegerField(default=0)
    files_done = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    held = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    warnings = models.PositiveIntegerField(default=0)
    links_resolved = models.PositiveIntegerField(default=0)
    links_unresolved = models.PositiveIntegerField(default=0)
    links_counted = models.BooleanField(default=True)
    resolve_seconds = models.FloatField(default=0)
    error = models.TextField(blank=True, help_text="Why the job stopped, when it failed.")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "import job"

    def __str__(self):
        return f"Import job {self.pk}"

    @property
    def finished(self):
        return self.state in (self.State.DONE, self.State.FAILED)


class ImportJobEntry(models.Model):
    """A line of a job's report: one file's outcome (every file up to jobs.LISTED_FILES, then
    only those an editor must look at) or a warning."""

    WARNING = "warning"

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="entries")
    position = models.PositiveIntegerField(
        null=True, help_text="The file's place in the import's order; empty for a warning.")
    status = models.CharField(max_length=10, help_text="The file's outcome, or “warning”.")
    name = models.TextField()
    line = models.PositiveIntegerField(null=True)
    article = models.ForeignKey(Article, null=True, on_delete=models.SET_NULL, related_name="+")
    headline = models.TextField(blank=True)
    reason = models.TextField(blank=True, help_text="Why, or the warning's message.")

    class Meta:
        ordering = ["job", "pk"]
        verbose_name_plural = "import job entries"

    def __str__(self):
        return f"{self.name}: {self.status}"

    @property
    def location(self):
        return f"{self.name}:{self.line}" if self.line else self.name


# ---------------------------------------------------------------------------------------------
# What articles are about: their countries and the outlets they cite (articles.about writes
# them from articles.aboutness's analysis, at import, on every save and by `analyse_articles`)


class ArticleCountry(models.Model):
    """A country an article is about, as its ISO 3166-1 alpha-2 code."""

    # Indexed by the unique constraint, which leads with it.
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="countries",
                                db_index=False)
    code = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 code, e.g. ML.")
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Its prominence in the article: 0 is the most prominent.")

    class Meta:
        ordering = ["article", "position"]
        verbose_name_plural = "article countries"
        constraints = [
            # Also the index an article's own countries are read and replaced by.
            models.UniqueConstraint(fields=["article", "code"], name="articlecountry_unique"),
        ]
        indexes = [
            # `?country=ML`: the country's articles from the index alone, without the table.
            models.Index(fields=["code", "article"], name="articlecountry_code_idx"),
        ]

    def __str__(self):
        return f"{self.code} in article {self.article_id}"


class CitedOutletQuerySet(models.QuerySet):
    def for_page(self):
        """In the order first cited, each with its source and whether readers may open that
        source's page (it has a published article: see SectionView)."""
        published = Article.objects.published().filter(source=OuterRef("source"))
        return (self.select_related("source").annotate(source_is_public=Exists(published))
                .order_by("position", "pk"))


class CitedOutlet(models.Model):
    """An outlet an article cites ("according to Reuters"), and our source of that name."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE,
                                related_name="cited_outlets", db_index=False)
    name = models.CharField(max_length=100, help_text="The outlet, as the list of known "
                                                      "outlets names it.")
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.SET_NULL, related_name="citations",
        help_text="Our source of that name (any case, any of the outlet's names), if we have "
                  "one.",
    )
    position = models.PositiveSmallIntegerField(
        default=0, help_text="The order in which the article first cites it.")

    objects = CitedOutletQuerySet.as_manager()

    class Meta:
        ordering = ["article", "position"]
        constraints = [
            models.UniqueConstraint(fields=["article", "name"], name="citedoutlet_unique"),
        ]
        indexes = [
            # Sources created or renamed later find the citations they are.
            models.Index(fields=["name"], name="citedoutlet_name_idx"),
        ]

    def __str__(self):
        return f"{self.name} cited by article {self.article_id}"

    @property
    def public_source(self):
        """Our source of this outlet, when its page is public (see CitedOutletQuerySet)."""
        return self.source if getattr(self, "source_is_public", False) else None


# Feeds polled by URL: their model is a module of its own (models.py is long enough).
from .polled_feeds import Feed  # noqa: E402, F401
