"""What articles are about: their countries and the outlets they cite (articles.about writes
them from articles.aboutness's analysis, at import, on every save and by `analyse_articles`)."""

from django.db import models
from django.db.models import (
    Exists,
    OuterRef,
)

from .articles import Article, Source


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
