from django.contrib import admin
from django.db.models import Count

from .models import Article, RelatedLink, Source


class RelatedLinkInline(admin.TabularInline):
    model = RelatedLink
    fk_name = "article"
    extra = 0
    ordering = ["position"]
    fields = ["position", "kind", "title", "teaser", "truncated", "duration_seconds", "language",
              "target", "url"]
    raw_id_fields = ["target"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["headline", "source", "status", "published_at", "link_count",
                    "unresolved_count", "headline_proposed"]
    list_filter = ["status", "headline_proposed", "source", "language"]
    list_select_related = ["source"]
    search_fields = ["headline", "body"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["headline"]}
    readonly_fields = ["source_file", "fingerprint", "imported_at", "created_at", "updated_at"]
    inlines = [RelatedLinkInline]
    fieldsets = [
        (None, {"fields": ["headline", "headline_proposed", "slug", "kicker", "image_caption",
                           "body", "tags"]}),
        ("Publishing", {"fields": ["status", "published_at", "source", "language",
                                   "original_url"]}),
        ("Import", {"classes": ["collapse"],
                    "fields": ["source_file", "fingerprint", "imported_at", "created_at",
                               "updated_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).with_link_counts()

    @admin.display(description="links", ordering="link_count")
    def link_count(self, obj):
        return obj.link_count

    @admin.display(description="unresolved", ordering="unresolved_count")
    def unresolved_count(self, obj):
        return obj.unresolved_count


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "country", "language", "article_count"]
    list_filter = ["kind", "country", "language"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_count=Count("articles"))

    @admin.display(description="articles", ordering="article_count")
    def article_count(self, obj):
        return obj.article_count


@admin.register(RelatedLink)
class RelatedLinkAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "article", "target"]
    list_filter = ["kind", ("target", admin.EmptyFieldListFilter)]
    list_select_related = ["article", "target"]
    search_fields = ["title", "teaser", "article__headline"]
    raw_id_fields = ["article", "target"]
