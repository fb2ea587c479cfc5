from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView
from taggit.models import Tag

from .models import Article, Source

PAGE_SIZE = 20


class VisibleArticlesMixin:
    """Readers get published articles; staff also preview drafts and scheduled ones."""

    def get_queryset(self):
        return Article.objects.visible_to(self.request.user)


class FrontPageView(VisibleArticlesMixin, ListView):
    template_name = "articles/front.html"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return Article.objects.published().for_listing()


class ArticleDetailView(VisibleArticlesMixin, DetailView):
    template_name = "articles/detail.html"

    def get_queryset(self):
        return super().get_queryset().for_page()


class SourceView(ListView):
    template_name = "articles/source.html"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        self.source = get_object_or_404(Source, slug=self.kwargs["slug"])
        return Article.objects.published().filter(source=self.source).for_listing()

    def get_context_data(self, **kwargs):
        return super().get_context_data(source=self.source, **kwargs)


class TagView(ListView):
    template_name = "articles/tag.html"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return Article.objects.published().filter(tags=self.tag).for_listing()

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)
