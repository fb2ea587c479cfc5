"""RSS and Atom feeds: all articles, per tag, per source; they honour the list's filters."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from taggit.models import Tag

from .filters import ArticleFilter
from .models import Article, Source

FEED_SIZE = 30


class ArticlesFeed(Feed):
    """Latest published articles. URL kwargs narrow it to a tag or a source."""

    def get_object(self, request, tag=None, source=None):
        self.request_filters = request.GET
        if tag:
            return get_object_or_404(Tag, slug=tag)
        if source:
            return get_object_or_404(Source, slug=source)
        return None

    def title(self, obj):
        name = settings.NEWSROOM_NAME
        return f"{name}: {obj}" if obj else f"{name}: latest news"

    def link(self, obj):
        if isinstance(obj, Source):
            return obj.get_absolute_url()
        if isinstance(obj, Tag):
            return reverse("articles:tag", kwargs={"slug": obj.slug})
        return reverse("articles:front")

    def description(self, obj):
        return f"The latest published articles{f' on {obj}' if obj else ''}."

    def items(self, obj):
        articles = Article.objects.published().for_listing()
        if isinstance(obj, Source):
            articles = articles.filter(source=obj)
        elif isinstance(obj, Tag):
            articles = articles.filter(tags=obj)
        # A feed is newest first, even when a search would rank its results.
        filtered = ArticleFilter(self.request_filters, queryset=articles).qs
        return filtered.order_by("-published_at", "-pk")[:FEED_SIZE]

    def item_title(self, item):
        return item.headline

    def item_description(self, item):
        # Feed readers render descriptions as HTML; imported text is plain text.
        return escape(item.lead)

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return item.source.name

    def item_categories(self, item):
        return [tag.name for tag in item.tags.all()]


class ArticlesAtomFeed(ArticlesFeed):
    feed_type = Atom1Feed
    subtitle = ArticlesFeed.description
