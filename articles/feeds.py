"""RSS and Atom feeds: all articles, per tag, per source; they honour the list's filters."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape
from taggit.models import Tag

from .cache import LISTS, depends_on
from .filters import ArticleFilter
from .models import Article, Source

FEED_SIZE = 30
# What an entry shows besides a card's fields: the whole story, and when it last changed.
ENTRY_FIELDS = ("body", "updated_at", "imported_at", "corrected_at")


class FullStoryRss(Rss201rev2Feed):
    """RSS 2.0 with each entry's whole story in content:encoded, as feed readers show it."""

    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:content": CONTENT_NAMESPACE}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content:encoded", item["story_html"])


class FullStoryAtom(Atom1Feed):
    """Atom 1.0 with each entry's whole story in <content type="html">."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", item["story_html"], {"type": "html"})


CONTENT_NAMESPACE = "http://purl.org/rss/1.0/modules/content/"


def story_html(article):
    """The story's paragraphs as HTML, every imported character escaped (the feed's XML then
    escapes the HTML once more, as RSS and Atom carry it)."""
    return "".join(f"<p>{escape(paragraph)}</p>" for paragraph in article.paragraphs)


@dataclass(frozen=True)
class FeedScope:
    section: Tag | Source | None
    filters: ArticleFilter  # the request's, validated
    request: HttpRequest


class InvalidFilters(Exception):
    """The request's filters cannot be read; the message says which and why."""


class ArticlesFeed(Feed):
    """Latest published articles. URL kwargs narrow it to a tag or a source."""

    feed_type = FullStoryRss

    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except InvalidFilters as error:
            # As the list page answers: a feed reader subscribed to a mistyped address must
            # not be given every article instead.
            return HttpResponseBadRequest(f"{error}\n", content_type="text/plain; charset=utf-8")

    def get_object(self, request, tag=None, source=None):
        """(the tag or source the feed is narrowed to, or None; the request's filters).
        The filters travel with the object: one Feed instance serves every request."""
        published = Article.objects.published()
        section = None
        if tag:
            section = get_object_or_404(Tag, slug=tag)
            published = published.filter(tags=section)
        elif source:
            section = get_object_or_404(Source, slug=source)
            published = published.filter(source=section)
        # Like the tag and source pages: not public until a published article uses it.
        if section is not None and not published.exists():
            raise Http404(f"Nothing published under {section}.")
        filters = ArticleFilter(request.GET, queryset=published)
        if filters.errors:
            raise InvalidFilters("Invalid filters:\n" + "\n".join(
                f"{name}: {' '.join(messages)}" for name, messages in filters.errors.items()))
        return FeedScope(section, filters, request)

    def title(self, scope):
        name = settings.NEWSROOM_NAME
        return f"{name}: {scope.section}" if scope.section else f"{name}: latest news"

    def link(self, scope):
        if isinstance(scope.section, Source):
            return scope.section.get_absolute_url()
        if isinstance(scope.section, Tag):
            return reverse("articles:tag", kwargs={"slug": scope.section.slug})
        return reverse("articles:front")

    def description(self, scope):
        return f"The latest published articles{f' on {scope.section}' if scope.section else ''}."

    def items(self, scope):
        articles = Article.objects.published().for_listing(*ENTRY_FIELDS)
        if isinstance(scope.section, Source):
            articles = articles.filter(source=scope.section)
        elif isinstance(scope.section, Tag):
            articles = articles.filter(tags=scope.section)
        # A feed is newest first, even when a search would rank its results.
        filtered = scope.filters.filter_queryset(articles)
        entries = list(filtered.order_by("-published_at", "-pk").prefetch_related("tags")
                       [:FEED_SIZE])
        depends_on(scope.request, scope.section or LISTS, *{entry.source for entry in entries},
                   *{tag for entry in entries for tag in entry.tags.all()})
        return entries

    def item_title(self, item):
        return item.headline

    def item_description(self, item):
        # Feed readers render descriptions as HTML; imported text is plain text.
        return escape(item.lead)

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.modified_at

    def item_extra_kwargs(self, item):
        return {"story_html": story_html(item)}

    def item_author_name(self, item):
        return item.source.name

    def item_categories(self, item):
        return sorted(tag.name for tag in item.tags.all())


class ArticlesAtomFeed(ArticlesFeed):
    feed_type = FullStoryAtom
    subtitle = ArticlesFeed.description
