from datetime import timedelta

from django.contrib.sitemaps import Sitemap
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from .models import Article, Source

NEWS_WINDOW = timedelta(days=2)  # Google News reads only the last two days


class ArticleSitemap(Sitemap):
    changefreq = "daily"
    limit = 5000

    def items(self):
        return Article.objects.published().only("slug", "updated_at").order_by("-published_at")

    def lastmod(self, item):
        return item.updated_at


class NewsSitemap(Sitemap):
    """Articles of the last two days, with the <news:news> details the template adds."""

    limit = 1000  # the news sitemap protocol's maximum

    def items(self):
        since = timezone.now() - NEWS_WINDOW
        return (Article.objects.published().filter(published_at__gte=since)
                .select_related("source").prefetch_related("tags").order_by("-published_at"))

    def lastmod(self, item):
        return item.updated_at


class SourceSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return Source.objects.filter(articles__in=Article.objects.published()).distinct()


class TagSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return Tag.objects.filter(
            articles_taggedarticle_items__content_object__in=Article.objects.published()
        ).distinct().order_by("name")

    def location(self, item):
        return reverse("articles:tag", kwargs={"slug": item.slug})


class PageSitemap(Sitemap):
    changefreq = "hourly"

    def items(self):
        return ["articles:front", "articles:list"]

    def location(self, item):
        return reverse(item)


SITEMAPS = {
    "pages": PageSitemap,
    "articles": ArticleSitemap,
    "news": NewsSitemap,
    "sources": SourceSitemap,
    "tags": TagSitemap,
}
