"""Stories: the articles that report one event, across sources and languages (articles.stories
groups them from articles.coverage's reading of their text; editors detach and merge)."""

from django.db import models
from django.db.models import Count
from django.urls import reverse

from .articles import Article


class StoryQuerySet(models.QuerySet):
    def public(self):
        """Stories with a published article: the ones readers may open."""
        return self.filter(articles__in=Article.objects.published()).distinct()


class Story(models.Model):
    """One event's coverage, from any source and language (its articles point to it). An
    article alone is in no story: a story has two articles or more."""

    created_at = models.DateTimeField(auto_now_add=True)

    objects = StoryQuerySet.as_manager()

    class Meta:
        ordering = ["-pk"]
        verbose_name_plural = "stories"

    def __str__(self):
        return f"Story {self.pk}"

    def get_absolute_url(self):
        return reverse("articles:story", args=[self.pk])

    def coverage(self):
        """Its published articles, newest first, with their sources (the story page)."""
        return self.articles.published().for_listing()

    def first_report(self):
        """Its first published article: the story page is titled by it."""
        return self.articles.published().order_by("published_at", "pk").only(
            "headline", "language").first()

    def reach(self):
        """How many published articles it has, from how many sources, in which languages."""
        published = self.articles.published().order_by()
        return {**published.aggregate(count=Count("pk"), sources=Count("source", distinct=True)),
                "languages": sorted(published.values_list("language", flat=True).distinct())}


class StoryEvidence(models.Model):
    """What the grouping read of an article: articles.coverage.Evidence as JSON. An article
    without one is waiting to be grouped."""

    article = models.OneToOneField(Article, primary_key=True, on_delete=models.CASCADE,
                                   related_name="story_evidence")
    # When the article was published (else created): the grouping's window is read by it.
    time = models.DateTimeField(db_index=True)
    evidence = models.JSONField()

    class Meta:
        verbose_name_plural = "story evidence"

    def __str__(self):
        return f"evidence of article {self.article_id}"
