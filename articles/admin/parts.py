"""Sources, and the parts of articles across all of them: related links, corrections, tags."""

from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from taggit.models import Tag

from ..models import Correction, RelatedLink, Source
from .rules import URL_FIELDS, ArticleContentMixin


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    formfield_overrides = URL_FIELDS
    list_display = ["name", "kind", "country", "language", "article_count", "public_page"]
    list_filter = ["kind", "country", "language"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_count=Count("articles"))

    @admin.display(description="articles", ordering="article_count")
    def article_count(self, obj):
        url = reverse("admin:articles_article_changelist")
        return format_html('<a href="{}?source__id__exact={}">{}</a>', url, obj.pk,
                           obj.article_count)

    @admin.display(description="public page")
    def public_page(self, obj):
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), obj.get_absolute_url())


@admin.register(RelatedLink)
class RelatedLinkAdmin(ArticleContentMixin, admin.ModelAdmin):
    """Related items across articles: find the unresolved ones, retry, or pick a target."""

    formfield_overrides = URL_FIELDS
    list_display = ["__str__", "kind", "article", "target", "resolved"]
    list_filter = [("target", admin.EmptyFieldListFilter), "kind", "language"]
    list_select_related = ["article", "target"]
    search_fields = ["title", "teaser", "article__headline"]
    autocomplete_fields = ["article", "target"]
    readonly_fields = ["match_key"]
    actions = ["retry_resolution"]

    @admin.display(boolean=True, description="resolved")
    def resolved(self, obj):
        return obj.target_id is not None

    @admin.action(description="Retry resolving the selected links", permissions=["change"])
    def retry_resolution(self, request, queryset):
        resolved = queryset.resolve()
        self.message_user(request, f"{resolved} link(s) resolved; "
                                   f"{queryset.unresolved().count()} still unresolved.")


@admin.register(Correction)
class CorrectionAdmin(ArticleContentMixin, admin.ModelAdmin):
    list_display = ["__str__", "article", "noted_at"]
    list_select_related = ["article"]
    autocomplete_fields = ["article"]
    search_fields = ["note", "article__headline"]


# taggit's own Tag admin edits taggit's generic TaggedItem rows, which our articles do not use
# (they are tagged through TaggedArticle), and its "merge tags" page asks for no permission at
# all. This one edits the same tags under the workflow's rules.
if admin.site.is_registered(Tag):
    admin.site.unregister(Tag)


@admin.register(Tag)
class TagAdmin(ArticleContentMixin, admin.ModelAdmin):
    """Tags: renaming or deleting one changes every article that uses it, so a tag of a
    published or withdrawn article is an editor's."""

    list_display = ["name", "slug", "article_count"]
    ordering = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            article_count=Count("articles_taggedarticle_items"))

    @admin.display(description="articles", ordering="article_count")
    def article_count(self, obj):
        url = reverse("admin:articles_article_changelist")
        return format_html('<a href="{}?tag={}">{}</a>', url, obj.slug, obj.article_count)
