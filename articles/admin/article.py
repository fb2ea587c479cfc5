"""The article's pages: the list, the edit page with its sidebar and corrections, and the
import from the browser."""

from adminsortable2.admin import SortableAdminBase, SortableInlineAdminMixin
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.core.exceptions import PermissionDenied, TooManyFilesSent
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from .. import jobs
from ..forms import ArticleAdminForm, ImportUploadForm, RelatedLinkForm
from ..ingest.importer import import_uploads
from ..ingest.uploads import Upload, UploadError
from ..models import Article, Correction, RelatedLink
from ..pagination import CappedPaginator
from ..templating import duration_badge
from ..workflow import (
    can_edit_content,
    can_publish,
    editable_rows,
    publish,
    submit_for_review,
    take_step,
    unpublish,
)
from .list_filters import CountryFilter, HasUnresolvedLinksFilter, TagFilter
from .revisions import RevisionsAdminMixin
from .rules import URL_FIELDS, ArticleContentMixin, ContentInlineMixin, autocompletes_an_owner
from .status import moment, status_badge, step_done, workflow_buttons
from .stories import StoryAdminMixin

IMPORT_PERMISSION = "articles.import_articles"
CONTENT_FIELDS = ["headline", "headline_proposed", "slug", "kicker", "image_caption", "body",
                  "tags", "source", "language", "original_url"]


def autocompletes(request, model, field):
    """Is this the autocomplete of `model`'s `field`?"""
    match = request.resolver_match
    return (match is not None and match.url_name == "autocomplete"
            and request.GET.get("app_label") == model._meta.app_label
            and request.GET.get("model_name") == model._meta.model_name
            and request.GET.get("field_name") == field)


class RelatedLinkInline(ContentInlineMixin, SortableInlineAdminMixin, admin.StackedInline):
    """The sidebar editor: one compact row per item, dragged (django-admin-sortable2) or moved
    with its buttons (static/desk/desk.js) into order; what editors change least behind
    "More"."""

    formfield_overrides = URL_FIELDS
    model = RelatedLink
    fk_name = "article"
    form = RelatedLinkForm
    template = "admin/articles/relatedlink/sidebar_inline.html"
    extra = 0
    # adminsortable2 sorts by the first field of the ordering (and hides it).
    ordering = ["position", "pk"]
    fieldsets = [
        # Title and teaser share a column: a video shows its title, a story its teaser.
        (None, {"fields": ["position", "kind", ("title", "teaser"), "duration_seconds", "target",
                           "linked_to"]}),
        ("More", {"fields": ["truncated", "language", "url"]}),
    ]
    readonly_fields = ["linked_to"]
    autocomplete_fields = ["target"]
    verbose_name = "related item"
    verbose_name_plural = "sidebar: related items, in the page's order"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("target")

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self.has_change_permission(request, obj):
            return fieldsets
        # Read-only: the length as the page showed it, and the order by the rows' numbers.
        shown = {"duration_seconds": "duration", "position": None}
        return [(name, {**options, "fields": [shown.get(line, line) for line in
                                              options["fields"] if shown.get(line, line)]})
                for name, options in fieldsets]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "duration"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "target":
            # A target is picked, not written from the sidebar: only its "view" link stays.
            field.widget.can_add_related = field.widget.can_change_related = False
            field.widget.can_delete_related = False
        return field

    @admin.display(description="duration")
    def duration(self, obj):
        return duration_badge(obj.duration_seconds) or "Go to video"

    @admin.display(description="links to")
    def linked_to(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        if obj.target_id:
            if obj.target.is_public:
                return link_state("ours", "Our article")
            return link_state("waiting", "Our article, not public yet: shown without a link")
        if obj.url:
            return link_state("external", "External link")
        return link_state("unresolved", format_html("<strong>Unresolved:</strong> {}",
                                                    "links to nothing yet"))


def link_state(key, words):
    """Where a related item leads, as a word and a mark (static/desk/desk.css)."""
    return format_html('<span class="link-state link-state--{}">{}</span>', key, words)


class CorrectionInline(ContentInlineMixin, admin.StackedInline):
    model = Correction
    extra = 0
    fields = ["kind", "noted_at", "note"]
    verbose_name_plural = "corrections and updates (shown to readers, newest first)"


class SearchOrderedChangeList(ChangeList):
    """A search lists its matches in the order articles.search gives them, unless the editor
    sorts by a column: that order is the one its index reads without sorting every match."""

    def get_ordering(self, request, queryset):
        if self.query and ORDER_VAR not in self.params:
            return self._get_deterministic_ordering(list(queryset.query.order_by))
        return super().get_ordering(request, queryset)


@admin.register(Article)
class ArticleAdmin(RevisionsAdminMixin, StoryAdminMixin, ArticleContentMixin, SortableAdminBase,
                   admin.ModelAdmin):
    formfield_overrides = URL_FIELDS
    form = ArticleAdminForm
    list_display = ["headline", "source", "status_label", "published_at", "tag_list",
                    "link_count", "unresolved_count", "story_link"]
    # Dates by a filter, not date_hierarchy: its year links cost a pass over every article's
    # date on each page, which the archive cannot afford (any ?published_at__year= still works).
    list_filter = ["status", "headline_proposed", HasUnresolvedLinksFilter, "source",
                   "language", CountryFilter, TagFilter,
                   ("published_at", admin.DateFieldListFilter)]
    # The sources come in one query of their own (get_queryset): joined, they led SQLite to
    # read the articles source by source and sort them all, instead of in date order.
    list_select_related = ()
    list_per_page = 50
    ordering = ["-published_at", "-pk"]
    # The search box goes through the readers' full-text index (get_search_results).
    search_fields = ["headline"]
    # "50 results (100,000 total)" would count the whole archive on every filtered page, and
    # the list itself counts no further than its paginator's bound.
    show_full_result_count = False
    paginator = CappedPaginator
    autocomplete_fields = ["source"]
    prepopulated_fields = {"slug": ["headline"]}
    readonly_fields = ["status_now", "preview", "source_file", "original_url_link", "imported_at",
                       "created_at", "updated_at", "story_coverage"]
    inlines = [RelatedLinkInline, CorrectionInline]
    actions = ["publish_selected", "unpublish_selected", "submit_for_review", "merge_stories",
               "detach_from_stories"]
    fieldsets = [
        (None, {"fields": ["headline", "headline_proposed", "slug", "kicker", "image_caption",
                           "body", "tags"]}),
        # The status changes by the buttons under the form (submit_line.html).
        ("Publishing", {"fields": ["status_now", "preview", "source", "language",
                                   "original_url"]}),
        # The other articles reporting the same event (articles.stories).
        ("Story", {"fields": ["story_coverage"]}),
        ("Import", {"classes": ["collapse"],
                    "fields": ["source_file", "original_url_link", "imported_at", "created_at",
                               "updated_at"]}),
    ]

    class Media:
        # Status colours, the sidebar editor's rows and its keyboard moves (CSP: no inline).
        css = {"all": ["desk/desk.css"]}
        js = ["desk/desk.js"]

    def get_queryset(self, request):
        return (super().get_queryset(request).with_link_counts()
                .prefetch_related("source", "tags"))

    def get_changelist(self, request, **kwargs):
        return SearchOrderedChangeList

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        # The form's rules depend on who is asking.
        return type(form.__name__, (form,), {"user": request.user})

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not can_publish(request.user):
            readonly.append("published_at")
            if obj and obj.status not in Article.REPORTER_STATUSES:
                readonly.append("status")
        if not can_edit_content(request.user, obj):
            readonly += [f for f in CONTENT_FIELDS if f not in readonly]
        elif obj and obj.is_public:
            readonly.append("slug")  # readers, feeds and search engines hold its URL
        return readonly

    def get_prepopulated_fields(self, request, obj=None):
        readonly = self.get_readonly_fields(request, obj)
        return {k: v for k, v in super().get_prepopulated_fields(request, obj).items()
                if k not in readonly}

    def has_publish_permission(self, request):
        return can_publish(request.user)

    def get_search_fields(self, request):
        if autocompletes(request, RelatedLink, "target"):
            return ["headline"]  # a related item names the story by its headline
        return super().get_search_fields(request)

    def get_search_results(self, request, queryset, search_term):
        if autocompletes(request, RelatedLink, "target"):
            queryset, distinct = super().get_search_results(request, queryset, search_term)
        else:
            # Every word as a prefix in the headline, kicker or body, through the readers'
            # full-text index (articles.search), in the order it gives.
            queryset, distinct = queryset.search(search_term), False
        if autocompletes_an_owner(request):
            # Choosing the article a related link or correction belongs to: only those the
            # user may add to (the form refuses the others anyway).
            queryset = editable_rows(request.user, queryset)
        return queryset, distinct

    def get_urls(self):
        return [
            # Exempt from the CSRF middleware only so that the view reads the upload first:
            # it checks the token itself (see import_view).
            path("import/", self.admin_site.admin_view(csrf_exempt(self.import_view)),
                 name="articles_article_import"),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # What submit_line.html offers: the workflow's steps for this user and article.
        if add or self.has_change_permission(request, obj):
            context["desk_workflow"] = workflow_buttons(request.user, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The form, its sidebar and its tags are saved: now the button's step, in the same
        # transaction (a refusal rolls the whole save back).
        step = form.cleaned_data.get("status")
        if step and take_step(form.instance, request.user, step,
                              when=form.cleaned_data.get("published_at")):
            form.instance.refresh_from_db(fields=["status", "published_at"])
            self.message_user(request, step_done(form.instance), messages.SUCCESS)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}),
                         "can_import": request.user.has_perm(IMPORT_PERMISSION)}
        return super().changelist_view(request, extra_context)

    # -- columns ---------------------------------------------------------------------------------

    @admin.display(description="status", ordering="status")
    def status_label(self, obj):
        badge = status_badge(obj)
        if obj.headline_proposed:
            return format_html('{} <span class="status-note">headline proposed</span>', badge)
        return badge

    @admin.display(description="status")
    def status_now(self, obj):
        if obj is not None and obj.is_public:
            return format_html("{} since {}", status_badge(obj), moment(obj.published_at))
        return status_badge(obj)

    @admin.display(description="tags")
    def tag_list(self, obj):
        return ", ".join(tag.name for tag in obj.tags.all())

    @admin.display(description="links", ordering="link_count")
    def link_count(self, obj):
        return obj.link_count

    @admin.display(description="unresolved", ordering="unresolved_count")
    def unresolved_count(self, obj):
        if not obj.unresolved_count:
            return 0
        url = reverse("admin:articles_relatedlink_changelist")
        return format_html('<a href="{}?article__id__exact={}&amp;target__isempty=1">{}</a>',
                           url, obj.pk, obj.unresolved_count)

    @admin.display(description="preview")
    def preview(self, obj):
        if not obj.pk:
            return "Save the article to preview it."
        if obj.is_public:
            return format_html('<a href="{}">View on site</a>', obj.get_absolute_url())
        return format_html('<a href="{}">Preview</a> (only staff can open it until it is '
                           'published)', obj.get_absolute_url())

    @admin.display(description="original URL")
    def original_url_link(self, obj):
        if not obj.original_url:
            return "-"
        return format_html('<a href="{0}" rel="noopener noreferrer">{0}</a>', obj.original_url)

    # -- actions ---------------------------------------------------------------------------------

    @admin.action(description="Publish selected articles", permissions=["publish"])
    def publish_selected(self, request, queryset):
        count = publish(queryset, request.user)
        held = queryset.filter(headline_proposed=True).count()
        self.message_user(request, f"Published {count} article(s). Those with a future "
                                   "published time go live then.", messages.SUCCESS)
        if held:
            self.message_user(request, f"{held} article(s) still have the headline the import "
                                       "proposed: write a headline, then publish.",
                              messages.WARNING)

    @admin.action(description="Unpublish selected articles", permissions=["publish"])
    def unpublish_selected(self, request, queryset):
        count = unpublish(queryset, request.user)
        self.message_user(request, f"Unpublished {count} article(s).", messages.SUCCESS)

    @admin.action(description="Mark selected drafts ready for review", permissions=["change"])
    def submit_for_review(self, request, queryset):
        count = submit_for_review(queryset, request.user)
        self.message_user(request, f"{count} draft(s) marked ready for review.", messages.SUCCESS)

    # -- import from the browser ---------------------------------------------------------------

    def import_view(self, request):
        if not request.user.has_perm(IMPORT_PERMISSION):
            raise PermissionDenied
        if request.method == "POST":
            try:
                request.FILES  # noqa: B018 - reads the upload, and with it the CSRF token
            except TooManyFilesSent:
                # The form comes back with the reason, and nothing is done: no token needed
                # (Django's CSRF check would only answer "Bad Request (400)").
                form = ImportUploadForm({}, user=request.user)
                form.errors["files"] = form.error_class([
                    f"More than {settings.DATA_UPLOAD_MAX_NUMBER_FILES:,} files were selected, "
                    "the most one upload takes: put them in a .zip and upload that."])
                return self._import_page(request, form, None)
        return csrf_protect(self._import_upload)(request)

    def _import_upload(self, request):
        report = None
        form = ImportUploadForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            uploads = [Upload(f.name, f.read()) for f in form.cleaned_data["files"]]
            options = {"source_name": form.cleaned_data["source"],
                       "publish": form.cleaned_data.get("publish", False),
                       "dry_run": form.cleaned_data["dry_run"]}
            try:
                if jobs.in_background():
                    # Checked and unpacked now (a refused upload comes back on the form), then
                    # imported by the worker: the job's page follows it.
                    job = jobs.start_import(uploads, request.user, **options)
                    self.message_user(request, f"{job} was queued.", messages.SUCCESS)
                    return HttpResponseRedirect(
                        reverse("admin:articles_importjob_change", args=[job.pk]))
                report = import_uploads(uploads, request.user, **options)
            except UploadError as error:
                form.add_error("files", str(error))
            else:
                level = messages.SUCCESS if report.ok else messages.WARNING
                self.message_user(request, report.summary(), level)
        return self._import_page(request, form, report)

    def _import_page(self, request, form, report):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import article files",
            "form": form,
            "report": report,
            "background": jobs.in_background(),
        }
        return TemplateResponse(request, "admin/articles/article/import.html", context)
