"""The items of an article's sidebar, as the original page showed them, and their resolution
to our articles."""

from django.db import models
from django.db.models import (
    Case,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    When,
)
from django.db.models.functions import Substr

from ..signals import MAX_NAMED, content_changed
from .articles import Article

# Links resolved by one call beyond which the change is announced as everything, not by article.
_LINKS_NAMED = 10 * MAX_NAMED

# The page's order of a sidebar's items (ties keep the order they were written in).
SIDEBAR_ORDER = ("position", "pk")
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
            .order_by(*SIDEBAR_ORDER)
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
