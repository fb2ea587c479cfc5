"""The article list's own filters: unresolved links, and the tags and countries the latest
articles use most."""

from django.contrib import admin
from django.db.models import Count, Exists, OuterRef
from taggit.models import Tag

from .. import aboutness
from ..models import Article, ArticleCountry, RelatedLink

TOP_TAGS = 30
TOP_COUNTRIES = 30
RECENT_ARTICLES = 1000  # whose tags and countries the filters offer


class HasUnresolvedLinksFilter(admin.SimpleListFilter):
    title = "unresolved related links"
    parameter_name = "unresolved"

    def lookups(self, request, model_admin):
        return [("yes", "Has unresolved links"), ("no", "All links resolved")]

    def queryset(self, request, queryset):
        # Each article asks the partial index of unresolved links (RelatedLink.Meta), in the
        # list's own order, so a page stops at its fiftieth; `pk__in` instead had SQLite
        # gather and sort every article with one.
        unresolved = Exists(RelatedLink.objects.unresolved().filter(article=OuterRef("pk")))
        if self.value() == "yes":
            return queryset.filter(unresolved)
        if self.value() == "no":
            return queryset.exclude(unresolved)
        return queryset


class TagFilter(admin.SimpleListFilter):
    """The tags the latest articles use most; any tag works from the URL (?tag=slug)."""

    title = "tag"
    parameter_name = "tag"

    def lookups(self, request, model_admin):
        # As the countries: counted over the latest articles' rows alone (over all of them,
        # 80 ms of every desk list page at 100,000 articles).
        latest = Article.objects.order_by("-pk").values("pk")[:RECENT_ARTICLES]
        tags = (Tag.objects.filter(articles_taggedarticle_items__content_object__in=latest)
                .annotate(uses=Count("articles_taggedarticle_items"))
                .order_by("-uses", "name")[:TOP_TAGS])
        return [(tag.slug, tag.name) for tag in tags]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(tags__slug=self.value())
        return queryset


class CountryFilter(admin.SimpleListFilter):
    """The countries the latest articles are most about, by name; any country works from the
    URL (?country=ML)."""

    title = "country"
    parameter_name = "country"

    def lookups(self, request, model_admin):
        # Counted over the latest articles' rows alone: the same few thousand rows whatever
        # the archive's size (over all of them, it was a pass over the whole index).
        latest = Article.objects.order_by("-pk").values("pk")[:RECENT_ARTICLES]
        codes = (ArticleCountry.objects.filter(article__in=latest).values("code")
                 .annotate(uses=Count("pk")).order_by("-uses", "code")
                 .values_list("code", flat=True)[:TOP_COUNTRIES])
        return sorted(((code, aboutness.country_name(code)) for code in codes),
                      key=lambda choice: choice[1])

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.about_country(self.value().strip().upper())
