"""Imports from the browser, run in the background (articles.jobs)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .articles import Article


class ImportJob(models.Model):
    """An upload from the browser, imported by the job worker (`manage.py run_jobs`): who sent
    what and when, how far it got, and what it did. Its page and the job list read this row
    and its entries alone, never the task queue."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="import_jobs",
        help_text="Who uploaded the files.",
    )
    created_at = models.DateTimeField("queued at", default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat = models.DateTimeField(
        null=True, blank=True, help_text="When the worker last said it was at work on it.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED,
                             db_index=True)
    uploads = models.JSONField(default=list, help_text="The uploaded files: name and size.")
    source_name = models.CharField(max_length=200, blank=True)
    publish = models.BooleanField(default=False)
    dry_run = models.BooleanField(default=False)
    allow_publish = models.BooleanField(
        default=False, help_text="Whether the uploader could publish when they uploaded.")
    not_imported = models.JSONField(
        default=list, help_text="Zip members the import does not take, reported as failed.")
    folder = models.CharField(max_length=100, blank=True,
                              help_text="The job's folder in IMPORT_JOBS_DIR, while it runs.")
    task_id = models.CharField(max_length=64, blank=True,
                               help_text="The task queue's id of its latest run.")
    worker = models.CharField(max_length=64, blank=True,
                              help_text="The worker running it: host and process id.")
    attempts = models.PositiveSmallIntegerField(default=0)
    files_total = models.PositiveIntegerField(default=0)
    files_done = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    held = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    warnings = models.PositiveIntegerField(default=0)
    links_resolved = models.PositiveIntegerField(default=0)
    links_unresolved = models.PositiveIntegerField(default=0)
    links_counted = models.BooleanField(default=True)
    resolve_seconds = models.FloatField(default=0)
    error = models.TextField(blank=True, help_text="Why the job stopped, when it failed.")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "import job"

    def __str__(self):
        return f"Import job {self.pk}"

    @property
    def finished(self):
        return self.state in (self.State.DONE, self.State.FAILED)


class ImportJobEntry(models.Model):
    """A line of a job's report: one file's outcome (every file up to jobs.LISTED_FILES, then
    only those an editor must look at) or a warning."""

    WARNING = "warning"

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="entries")
    position = models.PositiveIntegerField(
        null=True, help_text="The file's place in the import's order; empty for a warning.")
    status = models.CharField(max_length=10, help_text="The file's outcome, or “warning”.")
    name = models.TextField()
    line = models.PositiveIntegerField(null=True)
    article = models.ForeignKey(Article, null=True, on_delete=models.SET_NULL, related_name="+")
    headline = models.TextField(blank=True)
    reason = models.TextField(blank=True, help_text="Why, or the warning's message.")

    class Meta:
        ordering = ["job", "pk"]
        verbose_name_plural = "import job entries"

    def __str__(self):
        return f"{self.name}: {self.status}"

    @property
    def location(self):
        return f"{self.name}:{self.line}" if self.line else self.name
