"""The sitemaps: pages, articles, the news of the last two days, sources and tags.

An archive's sitemaps are paged by id ranges, not by counting: page n lists the public rows whose
id falls in its range, counted from the lowest id, so the index asks only for the lowest and
highest ids, and a page fetches only its own rows, whatever the size of the archive.
"""

import math
from datetime import timedelta

from django.contrib.sitemaps import Sitemap
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import Exists, Max, Min, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from taggit.models import Tag

from .models import Article, Source, TaggedArticle

NEWS_WINDOW = timedelta(days=2)  # Google News reads only the last two days


class IdRangePages:
    """What Django's sitemap views ask of a paginator (num_pages, page(n).object_list), over
    ranges of ids from the lowest: `per_page` ids a page. A page may list fewer rows (drafts
    and deleted rows hold ids too); no page is ever counted."""

    def __init__(self, rows, per_page):
        self.rows = rows
        self.per_page = per_page

    @cached_property
    def _range(self):
        # The table's lowest and highest ids, both read off the primary key's index.
        ids = self.rows.model.objects.aggregate(lowest=Min("pk"), highest=Max("pk"))
        return ids["lowest"] or 1, ids["highest"] or 0

    @property
    def num_pages(self):
        lowest, highest = self._range
        return max(1, math.ceil((highest - lowest + 1) / self.per_page))

    def page(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("That page number is not an integer") from None
        if not 1 <= number <= self.num_pages:
            raise EmptyPage("That page contains no results")
        low = self._range[0] + (number - 1) * self.per_page
        rows = self.rows.filter(pk__gte=low, pk__lt=low + self.per_page)
        return _Page(rows if rows.query.order_by else rows.order_by("pk"))


class _Page:
    def __init__(self, object_list):
        self.object_list = object_list


class ArchiveSitemap(Sitemap):
    """A sitemap over a table that grows with the archive."""

    @property
    def paginator(self):
        return IdRangePages(self.items(), self.limit)


class ArticleSitemap(ArchiveSitemap):
    changefreq = "daily"
    limit = 5000

    def items(self):
        return Article.objects.published().only("slug", "updated_at")

    def lastmod(self, item):
        return item.updated_at

    def get_latest_lastmod(self):
        # None: the index names no time for the articles' pages (each of their URLs carries
        # its own). The latest change to a public article means reading every public article
        # (Django's own loads them all); on each request of the index, that grew with the
        # archive.
        return None


class NewsSitemap(Sitemap):
    """Articles of the last two days, with the <news:news> details the template adds."""

    limit = 1000  # the news sitemap protocol's maximum

    def items(self):
        since = timezone.now() - NEWS_WINDOW
        return (Article.objects.published().filter(published_at__gte=since)
                .select_related("source").prefetch_related("tags").order_by("-published_at"))

    def lastmod(self, item):
        return item.updated_at

    def get_latest_lastmod(self):
        # Two days of articles, found by their published time; Django's own would load them
        # all, with their sources and tags.
        return self.items().aggregate(latest=Max("updated_at"))["latest"]


class SourceSitemap(ArchiveSitemap):
    changefreq = "daily"

    def items(self):
        # Like their pages: only sources a published article uses.
        return Source.objects.filter(Exists(
            Article.objects.published().filter(source=OuterRef("pk"))))


class TagSitemap(ArchiveSitemap):
    changefreq = "daily"

    def items(self):
        return Tag.objects.filter(Exists(TaggedArticle.objects.filter(
            tag=OuterRef("pk"), content_object__in=Article.objects.published()))).order_by("name")

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
