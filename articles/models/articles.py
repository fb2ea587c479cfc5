"""Sources, articles and their corrections and tags: what readers read, and the querysets
every page reads them by."""

from operator import attrgetter

from django.db import models
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from taggit.managers import TaggableManager
from taggit.models import Tag, TaggedItemBase

from .. import search
from ..publication import PUBLISHED, is_published, last_change, published_q
from ..slugs import url_for_slug
from ..text import lead_of, match_keys, normalise, paragraphs_of

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

    def also_covering(self, article):
        """The other articles of `article`'s story (none when it is in no story)."""
        if not article.story_id:
            return self.none()
        return self.filter(story=article.story_id).exclude(pk=article.pk)

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
    # What the page shows of the article's ArticleCountry and CitedOutlet rows, kept with them
    # (articles.about): the page reads no rows for its countries, nor for its cited outlets
    # unless it cites some.
    country_codes = models.CharField(
        max_length=200, blank=True, editable=False,
        help_text="The countries it is about, most prominent first: ISO codes, space-separated.",
    )
    cites_outlets = models.BooleanField(
        default=False, editable=False, help_text="Whether its text cites a known outlet.")
    story = models.ForeignKey(
        "articles.Story", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="articles", editable=False,
        help_text="The other articles reporting the same event, from any source or language.",
    )
    story_pinned = models.BooleanField(
        "story set by an editor", default=False, editable=False,
        help_text="An editor detached or merged it: regrouping leaves it where it is.",
    )
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
        # Sorted here rather than by the database: a sidebar holds a few dozen items at most,
        # and building the ORDER BY was a quarter of the query's cost in Django's compiler.
        links = sorted(self.related_links.for_sidebar().order_by(), key=attrgetter(*SIDEBAR_ORDER))
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




class TaggedArticle(TaggedItemBase):
    """Typed tag rows: plain foreign keys join faster than taggit's generic relation."""

    content_object = models.ForeignKey(Article, on_delete=models.CASCADE)

    def __str__(self):
        # Cheap: a revision names every row it records, and the default reads the article and
        # the tag.
        return f"tag {self.tag_id} of article {self.content_object_id}"


# The models of an article's parts refer to Article: imported once it is defined.
from .about import ArticleCountry  # noqa: E402
from .links import SIDEBAR_ORDER, RelatedLink  # noqa: E402
