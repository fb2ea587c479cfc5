import functools
import re
from urllib.parse import quote

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connections, models
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from taggit.managers import TaggableManager
from taggit.models import Tag, TaggedItemBase

from .ingest.parse import normalise

# Teasers are cut at about 90 characters; matching on the first 48 of a lead is long enough to be
# unique in an archive and short enough for every real teaser to cover it.
LEAD_KEY_CHARS = 48
HEADLINE_KEY_CHARS = 298  # RelatedLink.match_key holds 300: the key after its "h:" prefix
_BLANK_LINE = re.compile(r"\n\s*\n")
MAX_SEARCH_WORDS = 10  # a bound on the query's size, whatever is pasted into the box
# What a card shows of an article (a feed entry adds its updated time).
CARD_FIELDS = ("headline", "slug", "kicker", "body", "language", "status", "published_at",
               "source")


def match_keys(headline, normalised_lead):
    """An article's headline_key and lead_key: what related items from other files find it by
    (a video's title its headline, a story's teaser the start of its lead)."""
    return {"headline_key": normalise(headline)[:HEADLINE_KEY_CHARS],
            "lead_key": normalised_lead[:LEAD_KEY_CHARS]}


@functools.cache
def _slug_url_pattern(name):
    return reverse(name, kwargs={"slug": "__slug__"})


def url_for_slug(name, slug):
    """reverse(name, slug=slug), without resolving the pattern again for every link: a front
    page holds dozens of them, and reverse() was a tenth of its rendering time. A slug in
    another script is percent-encoded, as reverse() does (see articles.slugs)."""
    return _slug_url_pattern(name).replace("__slug__", slug if slug.isascii() else quote(slug))


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


# PostgreSQL only: each article's headline (weight A), kicker (B) and body (C) as a tsvector, in
# a column that a trigger keeps up to date and a GIN index serves (migration 0006). Not a model
# field: no query loads it, and other databases have no such column (they search substrings).
SEARCH_DOCUMENT = RawSQL('"articles_article"."search_document"', [],
                         output_field=SearchVectorField())


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """What readers may see: published, and not scheduled for later. (The same rule in
        hand-written SQL: _published_where().)"""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())

    def for_listing(self, *fields):
        """What a list of article cards shows (headline, kicker, lead, source and time), and
        `fields`. Only those columns: the rest would be converted for nothing."""
        return (
            self.select_related("source")
            .only(*CARD_FIELDS, *fields, "source__name", "source__slug")
            .order_by("-published_at", "-pk")
        )

    def search(self, text):
        """Articles holding every word of `text`. On PostgreSQL, full-text search ranked by
        where the words stand (headline, kicker, body), each word matching as a prefix;
        elsewhere, substring matching, newest first. The 'simple' configuration (no stemming)
        keeps both alike for plain words and fair to every language we publish in."""
        words = re.findall(r"\w+", text)[:MAX_SEARCH_WORDS]
        if not words:
            return self
        if connections[self.db].vendor == "postgresql":
            # Every word, as a prefix ("russia" finds "Russian"), as substring search does.
            query = SearchQuery(" & ".join(f"{word}:*" for word in words), search_type="raw",
                                config="simple")
            return (
                self.alias(document=SEARCH_DOCUMENT)
                .filter(document=query)
                .annotate(rank=SearchRank(SEARCH_DOCUMENT, query))
                .order_by("-rank", "-published_at", "-pk")
            )
        articles = self
        for word in words:
            articles = articles.filter(
                Q(headline__icontains=word) | Q(kicker__icontains=word) | Q(body__icontains=word)
            )
        return articles.order_by("-published_at", "-pk")

    def related_to(self, article, limit=5):
        """Articles sharing the most tags with `article`, best match first, in one query."""
        tag_ids = [tag.pk for tag in article.topics]
        if not tag_ids:
            return self.none()
        return (
            self.exclude(pk=article.pk)
            .filter(tags__in=tag_ids)
            .annotate(shared_tags=Count("tags", distinct=True))
            .select_related("source")
            .order_by("-shared_tags", "-published_at", "-pk")[:limit]
        )

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


class ArticleManager(models.Manager.from_queryset(ArticleQuerySet)):
    """The QuerySet's methods, and the two reader pages that run hand-written SQL (see the
    end of this module): whole-table queries, so not chainable QuerySet methods."""

    def front_page(self):
        """Published articles, newest first, with what a card shows: a sliceable for
        OpenEndedPaginator."""
        return FrontPageCards()

    def for_page(self, slug, user):
        """The article at `slug`, with its source's name and slug, if `user` may see it
        (staff preview drafts and scheduled articles; readers see what is published), else
        None."""
        published, params = _published_where("articles_article")
        rows = self.raw(f"""
            SELECT {_article_columns()},
                   articles_source.name AS source_name, articles_source.slug AS source_slug
            FROM articles_article JOIN articles_source ON articles_source.id = source_id
            WHERE articles_article.slug = %s AND (%s OR ({published}))""",  # noqa: S608 - ours
            [slug, user.is_active and user.is_staff, *params])
        for article in rows:
            article.source = _source_of(article)
            return article
        return None


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        REVIEW = "review", "Ready for review"
        PUBLISHED = "published", "Published"
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
    # Normalised keys that related links from other files are matched against.
    headline_key = models.CharField(max_length=300, blank=True, editable=False, db_index=True)
    lead_key = models.CharField(max_length=120, blank=True, editable=False, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    tags = TaggableManager(through="TaggedArticle", blank=True)

    objects = ArticleManager()

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
        ]
        permissions = [
            ("publish_article", "Can publish, unpublish and schedule articles"),
            ("import_articles", "Can import article files from the browser"),
        ]

    def __str__(self):
        return self.headline

    def save(self, *args, **kwargs):
        self.refresh_match_keys()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "headline_key", "lead_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return url_for_slug("articles:detail", self.slug)

    def refresh_match_keys(self):
        """Related items from other files find this article by these, whoever wrote it."""
        keys = match_keys(self.headline, normalise(self.lead))
        self.headline_key, self.lead_key = keys["headline_key"], keys["lead_key"]

    @cached_property
    def topics(self):
        """The article's tags, fetched once however many parts of a page list them (or set
        for a whole list at once by load_topics()). Hand-written SQL: see the end of this
        module."""
        return list(Tag.objects.raw("""
            SELECT taggit_tag.id, taggit_tag.name, taggit_tag.slug
            FROM taggit_tag JOIN articles_taggedarticle ON tag_id = taggit_tag.id
            WHERE content_object_id = %s ORDER BY taggit_tag.name, taggit_tag.id""", [self.pk]))

    @property
    def paragraphs(self):
        # An article page asks for the lead five times (description, cards, JSON-LD) and the
        # paragraphs once: split the body once, and again only if it is a new body.
        body, paragraphs = self.__dict__.get("_paragraphs", (None, None))
        if body is not self.body:
            body = self.body
            paragraphs = tuple(p.strip() for p in _BLANK_LINE.split(body) if p.strip())
            self.__dict__["_paragraphs"] = (body, paragraphs)
        return list(paragraphs)

    @property
    def lead(self):
        if "_paragraphs" in self.__dict__:
            paragraphs = self.paragraphs
            return paragraphs[0] if paragraphs else ""
        # A card needs the first paragraph only: splitting every body of a list page was a
        # twentieth of its time.
        return _BLANK_LINE.split(self.body.lstrip(), maxsplit=1)[0].strip()

    def sidebar(self):
        """(videos, stories): the related items in order, as the original page's two boxes,
        each with its public target (see RelatedLink.public_target) from the same query.
        Hand-written SQL: see the end of this module."""
        published, params = _published_where("t")
        links = list(RelatedLink.objects.raw(f"""
            SELECT r.id, r.article_id, r.kind, r.title, r.teaser, r.truncated,
                   r.duration_seconds, r.language, r.url, r.target_id,
                   CASE WHEN {published} THEN t.slug END AS public_target_slug
            FROM articles_relatedlink r LEFT JOIN articles_article t ON t.id = r.target_id
            WHERE r.article_id = %s ORDER BY r.position, r.id""",  # noqa: S608 - ours
            [*params, self.pk]))
        for link in links:
            slug = link.public_target_slug
            link.public_target = slug and Article.from_db(link._state.db, ["id", "slug"],
                                                          [link.target_id, slug])
        return ([link for link in links if link.kind == RelatedLink.Kind.VIDEO],
                [link for link in links if link.kind == RelatedLink.Kind.STORY])

    def correction_notes(self):
        """The article's corrections and updates, newest first, as readers see them.
        Hand-written SQL: see the end of this module."""
        return list(Correction.objects.raw("""
            SELECT id, article_id, kind, note, noted_at FROM articles_correction
            WHERE article_id = %s ORDER BY noted_at DESC, id DESC""", [self.pk]))

    @property
    def is_public(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )


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



class TaggedArticle(TaggedItemBase):
    """Typed tag rows: plain foreign keys join faster than taggit's generic relation."""

    content_object = models.ForeignKey(Article, on_delete=models.CASCADE)


def load_topics(articles):
    """Set the topics (tags) of a list of articles in one query. prefetch_related("tags")
    builds a queryset per article to hold its tags, a third of a 30-entry feed's time."""
    topics = {article.pk: [] for article in articles}
    rows = (
        TaggedArticle.objects.filter(content_object__in=list(topics))
        .order_by("tag__name", "tag_id")
        .values_list("content_object_id", "tag_id", "tag__name", "tag__slug")
    )
    for article_id, tag_id, name, slug in rows:
        topics[article_id].append(Tag(id=tag_id, name=name, slug=slug))
    for article in articles:
        article.topics = topics[article.pk]
    return articles


class RelatedLinkQuerySet(models.QuerySet):
    def unresolved(self):
        return self.filter(target__isnull=True)


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
    match_key = models.CharField(
        max_length=300, blank=True, editable=False, db_index=True,
        help_text="Normalised text the import matches against headlines and leads.",
    )

    objects = RelatedLinkQuerySet.as_manager()

    class Meta:
        # Not unique: editors renumber items one at a time, and ties keep their insertion order.
        ordering = ["article", "position", "pk"]
        indexes = [models.Index(fields=["article", "position"], name="relatedlink_order_idx")]
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

    @cached_property
    def public_target(self):
        """The article this item links to, if readers may see it (else the sidebar searches).
        Article.sidebar() sets it from its own query."""
        return self.target if self.target_id and self.target.is_public else None


# ---------------------------------------------------------------------------------------------
# Reader pages in hand-written SQL
#
# With no cache, the ORM spent more time building the article page's and the front page's
# queries (and a Source per row) than the database spent running them. These run the same
# SELECTs by hand; raw() still converts every value as the ORM does. tests/test_views.py holds
# each to the ORM's answer.


def _published_where(table):
    """published()'s rule as a condition on `table` (a name or alias), with its parameters."""
    return (f"{table}.status = %s AND {table}.published_at <= %s",
            [Article.Status.PUBLISHED, timezone.now()])


class FrontPageCards:
    """Published articles, newest first, with their card's fields (CARD_FIELDS) and their
    source's name and slug, a slice at a time: OpenEndedPaginator asks for a page and one
    more."""

    def __getitem__(self, index):
        if (not isinstance(index, slice) or index.step not in (None, 1) or index.stop is None
                or (index.start or 0) < 0):
            raise TypeError("FrontPageCards takes bounded slices only")
        offset = index.start or 0
        published, params = _published_where("articles_article")
        articles = list(Article.objects.raw(f"""
            SELECT articles_article.id, headline, articles_article.slug, kicker, body,
                   articles_article.language, status, published_at, source_id,
                   articles_source.name AS source_name, articles_source.slug AS source_slug
            FROM articles_article JOIN articles_source ON articles_source.id = source_id
            WHERE {published}
            ORDER BY published_at DESC, articles_article.id DESC LIMIT %s OFFSET %s""",  # noqa: S608 - ours
            [*params, max(0, index.stop - offset), offset]))
        sources = {}
        for article in articles:
            if article.source_id not in sources:
                sources[article.source_id] = _source_of(article)
            article.source = sources[article.source_id]
        return articles

    def count(self):
        # Only "?page=last" asks: the paginator counts nothing else.
        return Article.objects.published().count()


@functools.cache
def _article_columns():
    return ", ".join(f"articles_article.{f.column}" for f in Article._meta.concrete_fields)


def _source_of(article):
    """The Source of a row that selected its name and slug as source_name and source_slug;
    its other fields are deferred (loaded if ever read), never blank."""
    return Source.from_db(article._state.db, ["id", "name", "slug"],
                          [article.source_id, article.source_name, article.source_slug])
