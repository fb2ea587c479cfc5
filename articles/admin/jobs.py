"""The import jobs' pages: the list of who imported what and when, with its outcome, and a page
for each job that follows it while it runs. Editors see every job; anyone else who may import
sees their own."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse

from .. import jobs
from ..ingest.report import STATUSES
from ..models import ImportJob

SHOWN_NAMES = 3  # uploaded file names a row of the list shows before "and N more"


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["__str__", "created_at", "user", "what", "state_label", "outcome"]
    list_display_links = ["__str__"]
    list_filter = ["state", "dry_run"]
    list_select_related = ["user"]
    list_per_page = 50
    ordering = ["-created_at", "-pk"]

    # Jobs are made by the import page and written by the worker alone: here they are read.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_module_permission(self, request):
        return request.user.has_perm(jobs.IMPORT_PERMISSION)

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return request.user.has_perm(jobs.IMPORT_PERMISSION)
        return jobs.can_view(request.user, obj)

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": "Import jobs", **(extra_context or {})})

    def get_queryset(self, request):
        return jobs.visible_jobs(request.user, super().get_queryset(request))

    def get_urls(self):
        return [
            # Before the admin's own: its "<id>/" catch-all would take this one.
            path("<int:object_id>/progress/",
                 self.admin_site.admin_view(self.progress_view),
                 name="articles_importjob_progress"),
            *super().get_urls(),
        ]

    # -- columns ---------------------------------------------------------------------------------

    @admin.display(description="files uploaded")
    def what(self, obj):
        names = [f"{u['name']} ({filesizeformat(u['size'])})" for u in obj.uploads]
        more = len(names) - SHOWN_NAMES
        shown = ", ".join(names[:SHOWN_NAMES])
        return f"{shown} and {more} more" if more > 0 else shown

    @admin.display(description="state", ordering="state")
    def state_label(self, obj):
        label = obj.get_state_display()
        if obj.dry_run:
            label += " (dry run)"
        if not obj.finished:
            label += f": {obj.files_done:,} of {max(obj.files_total, obj.files_done):,} files"
        return label

    @admin.display(description="outcome")
    def outcome(self, obj):
        if obj.state == ImportJob.State.FAILED:
            return f"Stopped: {obj.error}"
        if not obj.finished:
            return "-"
        counts = [f"{getattr(obj, status):,} {status}" for status in STATUSES
                  if getattr(obj, status)]
        if obj.warnings:
            counts.append(f"{obj.warnings:,} warning{'s' if obj.warnings > 1 else ''}")
        return ", ".join(counts) or "no files"

    # -- the job's page and its progress ---------------------------------------------------------

    def _job(self, request, object_id):
        try:
            job = ImportJob.objects.select_related("user").filter(pk=int(object_id)).first()
        except (TypeError, ValueError):
            job = None
        if job is None:
            raise Http404("No such import job.")
        if not self.has_view_permission(request, job):
            raise PermissionDenied
        return job

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = self._job(request, object_id)
        report = jobs.report_of(job) if job.finished else None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": str(job),
            "job": job,
            "report": report,
            "progress": jobs.progress(job),
            "progress_url": reverse("admin:articles_importjob_progress", args=[job.pk]),
            "listed_files": jobs.LISTED_FILES,
            "partly_listed": report is not None and job.files_done > jobs.LISTED_FILES,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/articles/article/import_job.html", context)

    def progress_view(self, request, object_id):
        # Never cached: admin_view marks every desk response so.
        return JsonResponse(jobs.progress(self._job(request, object_id)))
