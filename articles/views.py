from django.core.cache import cache
from django.db import DatabaseError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.cache import add_never_cache_headers
from django.utils.safestring import mark_safe
from django.views.generic import DetailView, ListView, TemplateView
from django_filters.views import FilterView

from . import aboutness
from .cache import LISTS, cached_fragment, cached_value, depends_on, listing_fragment_name
from .filters import ArticleFilter
from .models import Article, Source, Story
from .pagination import OpenEndedPaginator

PAGE_SIZE = 20
ALSO_COVERED = 6  # other articles of its story an article page lists; the story page has all
STORY_PAGE = 200  # articles a story page lists, the newest


class CachedListingMixin:
    """A list page's paginated cards, rendered as one fragment and cached with what they show
    (see articles.cache): counting and fetching the page of articles and rendering their cards
    are most of a list page's work. The page around it (title, filters form) stays per request."""

    listing_template = "includes/article_list.html"
    empty_message = "No articles here yet."

    def listing_keys(self):
        """What decides which articles the list holds (see articles.cache)."""
        return [LISTS]

    def get_context_data(self, **kwargs):
        def render():
            # Paginates here, so a cache hit neither counts nor fetches; a page out of range
            # raises Http404 from here and is never cached.
            context = super(CachedListingMixin, self).get_context_data(**kwargs)
            depends_on(self.request, *self.listing_keys(),
                       *{article.source for article in context["object_list"]})
            context["empty_message"] = self.empty_message
            return render_to_string(self.listing_template, context, request=self.request)

        listing = cached_fragment(self.request, listing_fragment_name(self.request), render)
        return {**kwargs, "view": self, "listing_html": listing}


class FrontPageView(CachedListingMixin, ListView):
    template_name = "articles/front.html"
    listing_template = "includes/front_listing.html"
    empty_message = "No stories have been published yet."
    paginate_by = PAGE_SIZE
    paginator_class = OpenEndedPaginator  # "Older" and "Newer", no count of the archive

    def get_queryset(self):
        return Article.objects.published().for_listing()


class ArticleListView(CachedListingMixin, FilterView):
    """All published articles, filtered by the public FilterSet."""

    filterset_class = ArticleFilter
    template_name = "articles/list.html"
    listing_template = "includes/results.html"
    empty_message = "No published article matches these filters."
    paginate_by = PAGE_SIZE
    paginator_class = OpenEndedPaginator  # the results are counted only up to a bound

    def get_queryset(self):
        return Article.objects.published().for_listing()

    def get_context_data(self, **kwargs):
        if self.filterset.errors:
            # Filters that cannot be read select nothing: no count, no pagination, no cached
            # fragment; the form says what to correct (see list.html).
            return {**kwargs, "view": self, "listing_html": ""}
        return super().get_context_data(**kwargs)

    def render_to_response(self, context, **response_kwargs):
        if self.filterset.errors:
            response_kwargs["status"] = 400  # as the feeds answer the same filters
        return super().render_to_response(context, **response_kwargs)


class ArticleDetailView(DetailView):
    """An article; staff preview drafts and scheduled articles, readers see what is
    published."""

    template_name = "articles/detail.html"

    def get_queryset(self):
        return Article.objects.visible_to(self.request.user).select_related("source")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        article = self.object
        depends_on(self.request, article, article.source)
        # The story with its sidebar, and the tags that the head lists as well, cached together.
        story_html, context["tags"] = cached_value(
            self.request, f"article-story:{article.pk}", lambda: self.render_story(context)
        )
        context["story_html"] = mark_safe(story_html)  # noqa: S308 - our template, autoescaped
        return context

    def render_story(self, context):
        """(the story and its sidebar, the article's tags): most of the page's queries and
        rendering, cached as one fragment while the page around it stays per request."""
        article = self.object
        # Its own key too: the fragment outlives the page around it.
        depends_on(self.request, article)
        tags = list(article.tags_by_name())
        videos, stories = article.sidebar()
        countries = [(code, aboutness.country_name(code, article.language))
                     for code in article.country_codes.split()]
        cited = list(article.cited_outlets.for_page()) if article.cites_outlets else []
        coverage = []
        if article.story_id:
            # The same event from other outlets: one more than shown says there are more.
            depends_on(self.request, f"story-{article.story_id}")
            coverage = list(Article.objects.published().also_covering(article)
                            .for_listing()[:ALSO_COVERED + 1])
        more_articles = []
        if not (videos or stories):
            # No scraped sidebar: the articles sharing most tags, so no sidebar is empty.
            more_articles = list(Article.objects.published().related_to(article, tags))
        depends_on(self.request, *tags, *(link.target for link in (*videos, *stories)
                                          if link.target_id),
                   *more_articles, *{other.source for other in more_articles},
                   *coverage, *{other.source for other in coverage},
                   # A cited outlet links to its source's page once that page is public.
                   *{outlet.source for outlet in cited if outlet.source_id})
        html = render_to_string("includes/article_story.html", {
            **context,
            "tags": tags, "videos": videos, "stories": stories, "more_articles": more_articles,
            "countries": countries, "cited": cited,
            "coverage": coverage[:ALSO_COVERED], "more_coverage": len(coverage) > ALSO_COVERED,
            "corrections": article.correction_notes(),
        }, request=self.request)
        return html, tags


class StoryView(DetailView):
    """A story's coverage: its published articles, newest first, with their sources and
    languages. A story with none is not public."""

    template_name = "articles/story.html"
    context_object_name = "story"

    def get_queryset(self):
        return Story.objects.public()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        story = self.object
        coverage = list(story.coverage()[:STORY_PAGE])
        depends_on(self.request, story, *coverage, *{a.source for a in coverage})
        context.update(coverage=coverage, first=story.first_report(), **story.reach())
        return context


class SectionView(CachedListingMixin, ListView):
    """A source's or a tag's page, configured by `model` and the articles' `field` that points
    to it. One that only unpublished articles use is not public yet: its name may reveal an
    embargoed story."""

    model = None  # Source or Tag
    field = None  # "source" or "tags"
    paginate_by = PAGE_SIZE
    paginator_class = OpenEndedPaginator  # a section can hold the whole archive: never counted

    def get_queryset(self):
        self.section = get_object_or_404(self.model, slug=self.kwargs["slug"])
        return Article.objects.published().filter(**{self.field: self.section}).for_listing()

    def listing_keys(self):
        return [self.section]

    def paginate_queryset(self, queryset, page_size):
        paginator, page, object_list, is_paginated = super().paginate_queryset(
            queryset, page_size
        )
        if not object_list:  # only page 1 can be empty: the paginator refuses later ones
            raise Http404("Nothing published here yet.")
        return paginator, page, object_list, is_paginated

    def get_context_data(self, **kwargs):
        return super().get_context_data(**{self.model._meta.model_name: self.section, **kwargs})


class RobotsView(TemplateView):
    template_name = "robots.txt"
    content_type = "text/plain; charset=utf-8"


def favicon(request):
    # Not permanent: the target is a hashed static name that changes with the icon.
    return redirect(static("img/favicon.svg"))


def health(request):
    """For load balancers: is the database answering? Says nothing else about the system."""
    checks = {}
    try:
        Source.objects.exists()
        checks["database"] = "ok"
    except DatabaseError:
        checks["database"] = "unavailable"
    try:
        cache.set("newsroom:health", 1, 5)
        checks["cache"] = "ok" if cache.get("newsroom:health") == 1 else "unavailable"
    except Exception:  # any cache backend's connection error
        checks["cache"] = "unavailable"
    healthy = checks["database"] == "ok"
    response = JsonResponse({"status": "ok" if healthy else "unavailable", **checks},
                            status=200 if healthy else 503)
    add_never_cache_headers(response)
    return response
