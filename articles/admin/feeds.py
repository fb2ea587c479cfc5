"""The feeds polled by URL: their list with what each last fetch came to, their settings, and
"Fetch now". Editors manage them (the Editor group's feed permissions); a feed publishes only
as someone who may publish set it up."""

from django.contrib import admin, messages
from django.template.defaultfilters import truncatechars
from django.utils.html import format_html, format_html_join

from .. import jobs, polling
from ..models import Feed
from ..workflow import can_publish
from .rules import URL_FIELDS
from .status import moment

ERROR_SHOWN = 120  # characters of the last error the list shows; the feed's page has it all


def status_badge(feed):
    """What the last fetch came to, as a word on its colour (static/desk/feeds.css)."""
    key = feed.last_status or "new"
    return format_html('<span class="status feed-status feed-status--{}">{}</span>', key,
                       feed.get_last_status_display())


@admin.register(Feed)
class FeedAdmin(admin.ModelAdmin):
    formfield_overrides = URL_FIELDS
    list_display = ["address", "source_label", "interval_label", "active", "fetched", "status",
                    "last_import_label", "error_excerpt"]
    list_filter = ["last_status", "active", "format"]
    list_select_related = ["source"]
    search_fields = ["url", "source__name"]
    autocomplete_fields = ["source"]
    actions = ["fetch_now"]
    fieldsets = [
        (None, {"fields": ["url", "format", "source", "interval", "active", "publish"]}),
        ("Last fetch", {"fields": ["status", "last_fetched_at", "next_fetch_at",
                                   "last_http_status", "last_import_label", "errors",
                                   "moved_to", "etag", "last_modified"]}),
    ]
    readonly_fields = ["status", "last_fetched_at", "next_fetch_at", "last_http_status",
                       "last_import_label", "errors", "moved_to", "etag", "last_modified"]

    class Media:
        css = {"all": ["desk/desk.css", "desk/feeds.css"]}

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not can_publish(request.user):
            fields.append("publish")
        return fields

    def save_model(self, request, obj, form, change):
        if "url" in form.changed_data:
            # Another address: the old one's validators and redirect say nothing of it.
            obj.etag = obj.last_modified = obj.moved_to = ""
            obj.next_fetch_at = None
        elif {"interval", "active"} & set(form.changed_data):
            obj.next_fetch_at = (obj.fetch_after(obj.last_fetched_at) if obj.last_fetched_at
                                 else None)
        if obj.publish and not can_publish(request.user):
            obj.publish = False
            self.message_user(request, f"{obj} no longer publishes its articles at once: only "
                                       "someone who may publish can set that. They wait on "
                                       "the desk as drafts.", messages.WARNING)
        super().save_model(request, obj, form, change)
        # In the change's transaction, like a job and its task: the worker polls it on time.
        polling.schedule()

    # -- columns ---------------------------------------------------------------------------------

    @admin.display(description="URL", ordering="url")
    def address(self, obj):
        if not obj.moved_to:
            return obj.url
        return format_html('{}<span class="feed-moved">moved permanently to {}</span>', obj.url,
                           obj.moved_to)

    @admin.display(description="source", ordering="source__name")
    def source_label(self, obj):
        return obj.source or "the feed's title"

    @admin.display(description="interval", ordering="interval")
    def interval_label(self, obj):
        return f"{obj.interval:,} min"

    @admin.display(description="last fetched", ordering="last_fetched_at")
    def fetched(self, obj):
        return moment(obj.last_fetched_at) if obj.last_fetched_at else "-"

    @admin.display(description="last status", ordering="last_status")
    def status(self, obj):
        return status_badge(obj)

    @admin.display(description="last import")
    def last_import_label(self, obj):
        return polling.import_summary(obj.last_import) if obj.last_import else "-"

    @admin.display(description="last error")
    def error_excerpt(self, obj):
        first, _, more = obj.last_error.partition("\n")
        return truncatechars(first, ERROR_SHOWN) + (" (and more)" if more else "") or "-"

    @admin.display(description="errors")
    def errors(self, obj):
        lines = obj.last_error.splitlines()
        if not lines:
            return "-"
        return format_html("<ul class=\"feed-errors\">{}</ul>",
                           format_html_join("", "<li>{}</li>", ((line,) for line in lines)))

    # -- actions ---------------------------------------------------------------------------------

    @admin.action(description="Fetch now", permissions=["change"])
    def fetch_now(self, request, queryset):
        feeds = list(queryset.order_by("pk"))
        if jobs.in_background():
            polling.fetch_now(feeds)
            self.message_user(request, f"{len(feeds):,} feed{'s' if len(feeds) > 1 else ''} "
                                       "queued: the job worker fetches them now, and their "
                                       "status shows here once fetched.", messages.SUCCESS)
            return
        for outcome in polling.fetch_feeds([feed.pk for feed in feeds]):
            failed = outcome.status == Feed.Status.ERROR
            self.message_user(request, str(outcome),
                              messages.ERROR if failed else messages.SUCCESS)
