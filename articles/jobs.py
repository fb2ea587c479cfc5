"""Browser imports as background jobs: the upload is checked and unpacked into a folder of its
own, an ImportJob row and a task are queued together, and the worker (`manage.py run_jobs`)
imports the folder through the same import service as everything else.

The queue is django-tasks with its database backend; everything the desk shows is in our own
rows (ImportJob, ImportJobEntry), written once a batch. A job outlives its worker: the worker
that starts next requeues a job whose worker is gone, and the job goes on after the files its
report already holds (the import's order is stable, and a file imported twice is "unchanged").
"""

import logging
import os
import shutil
import socket
import tempfile
from collections import Counter
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_tasks import task
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .ingest.files import InputWarning, Refused, count_files
from .ingest.importer import ImportStopped, NothingToImport, import_paths
from .ingest.report import FAILED, HELD, SKIPPED, STATUSES, FileResult, ImportReport
from .ingest.uploads import unpack
from .models import Article, ImportJob, ImportJobEntry
from .workflow import can_publish

logger = logging.getLogger(__name__)

LISTED_FILES = 1_000  # files of a job listed whatever their outcome; after them, only these:
ALWAYS_LISTED = (FAILED, SKIPPED, HELD)
# A worker that has not reported for this long is taken for gone (on another host; on this one
# a worker whose process has ended is gone at once).
STALE_AFTER = timedelta(minutes=2)
MAX_ATTEMPTS = 3  # runs of one job, so that a file that kills the worker cannot loop for ever
UNFINISHED = (ImportJob.State.QUEUED, ImportJob.State.RUNNING)
IMPORT_PERMISSION = "articles.import_articles"


def in_background():
    """Whether browser imports are queued (IMPORT_JOBS=background) or run in the request."""
    return settings.IMPORT_JOBS == "background"


def jobs_dir():
    return Path(settings.IMPORT_JOBS_DIR)


# ---------------------------------------------------------------------------------------------
# Queueing


def start_import(uploads, user, *, source_name="", publish=False, dry_run=False):
    """Check the upload (uploads.Upload items) and unpack it into a new job folder, then queue
    its import as `user`, who publishes only if they may. Returns the ImportJob. Raises
    uploads.UploadError for an upload refused whole, having kept nothing."""
    root = jobs_dir()
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="job-", dir=root))
    try:
        not_imported = unpack(uploads, folder)
        # The job and its task are one transaction: the database backend writes the task's
        # row on our connection, so there is never a job without its task or the reverse.
        with transaction.atomic():
            job = ImportJob.objects.create(
                user=user, uploads=[{"name": u.name, "size": len(u.data)} for u in uploads],
                source_name=(source_name or "").strip(), publish=publish, dry_run=dry_run,
                allow_publish=can_publish(user), folder=folder.name,
                not_imported=[{"name": r.name, "reason": r.reason, "line": r.line}
                              for r in not_imported],
                files_total=count_files([folder]) + len(not_imported),
            )
            job.task_id = str(run_import.enqueue(job.pk).id)
            job.save(update_fields=["task_id"])
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return job


@task(takes_context=True)
def run_import(context, job_id):
    """The queue's task: import job `job_id`'s folder (see run_job)."""
    result = context.task_result
    return run_job(job_id, task_id=str(result.id),
                   worker=result.worker_ids[-1] if result.worker_ids else worker_id())


# ---------------------------------------------------------------------------------------------
# Running


class JobTaken(Exception):
    """The job was requeued while this run was at work (its worker seemed gone): the new run
    owns it, and this one stops."""


def run_job(job_id, *, task_id, worker=""):
    """Import the job's files, after those an earlier run of it reported. Only the job's
    current task runs it. Returns the outcome counts (the task's return value)."""
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, task_id=task_id, state__in=UNFINISHED).update(
        state=ImportJob.State.RUNNING, worker=worker[:64], heartbeat=now,
        started_at=Coalesce(F("started_at"), now), attempts=F("attempts") + 1)
    if not claimed:
        return {"ran": False}
    job = ImportJob.objects.get(pk=job_id)
    folder = jobs_dir() / job.folder
    if not job.folder or not folder.is_dir():
        _finish(job, task_id, ImportJob.State.FAILED,
                error=f"the uploaded files are no longer in {folder}: the worker must reach "
                      "the same IMPORT_JOBS_DIR as the web processes; upload them again")
        return {"ran": False}
    if job.dry_run and job.files_done:
        # A dry run's earlier batches were rolled back, and what they would have written is
        # gone with its process: its report is only right from the start.
        _restart(job)
    recorder = _Recorder(job, task_id)
    try:
        report = import_paths(
            [folder], relative_to=folder,
            refused=[Refused(**item) for item in job.not_imported],
            source_name=job.source_name, publish=job.publish, dry_run=job.dry_run,
            allow_publish=job.allow_publish, user=job.user, keep_results=False,
            on_result=recorder.add, on_batch=recorder.flush,
            resume_after=job.files_done, reported_warnings=recorder.reported_warnings(),
        )
    except JobTaken:
        logger.warning("Import job %s was requeued while this worker ran it; stopping", job_id)
        return {"ran": False}
    except (ImportStopped, NothingToImport) as error:
        _finish(job, task_id, ImportJob.State.FAILED, error=str(error))
    except Exception as error:  # whatever it is, the job says so and the worker goes on
        logger.exception("Import job %s failed", job_id)
        _finish(job, task_id, ImportJob.State.FAILED,
                error=f"internal error: {type(error).__name__}: {error}, see the log")
    else:
        recorder.flush(report)
        _finish(job, task_id, ImportJob.State.DONE, links_resolved=report.links_resolved,
                links_unresolved=report.links_unresolved, links_counted=report.links_counted,
                resolve_seconds=report.resolve_seconds)
    job.refresh_from_db()
    return {status: getattr(job, status) for status in STATUSES}


class _Recorder:
    """Writes what the import reports to the job's rows, once a batch, outside the batch's
    own transaction: each write takes SQLite's write lock, so never once a file."""

    def __init__(self, job, task_id):
        self.job = job
        self.task_id = task_id
        self.position = job.files_done  # the place of the next file in the import's order
        self.pending = []
        self.warned = 0  # the run's report.warnings already written

    def add(self, result):
        self.pending.append(result)

    def reported_warnings(self):
        return [InputWarning(e.name, e.reason, e.line)
                for e in self.job.entries.filter(status=ImportJobEntry.WARNING)]

    def flush(self, report):
        counts = Counter(result.status for result in self.pending)
        listed = []
        for result in self.pending:
            if self.position < LISTED_FILES or result.status in ALWAYS_LISTED:
                listed.append((self.position, result))
            self.position += 1
        warnings = report.warnings[self.warned:]
        ids = {result.article_id for _, result in listed if result.article_id}
        if ids and not report.dry_run:
            ids = set(Article.objects.filter(pk__in=ids).values_list("pk", flat=True))
        else:
            ids = set()  # a dry run's articles were rolled back
        entries = [ImportJobEntry(job_id=self.job.pk, position=position, status=result.status,
                                  name=result.name, line=result.line, headline=result.headline,
                                  reason=result.reason,
                                  article_id=result.article_id if result.article_id in ids
                                  else None)
                   for position, result in listed]
        entries += [ImportJobEntry(job_id=self.job.pk, status=ImportJobEntry.WARNING,
                                   name=warning.name, line=warning.line, reason=warning.message)
                    for warning in warnings]
        with transaction.atomic():
            mine = ImportJob.objects.filter(pk=self.job.pk, task_id=self.task_id,
                                            state=ImportJob.State.RUNNING)
            if not mine.update(files_done=F("files_done") + len(self.pending),
                               warnings=F("warnings") + len(warnings), heartbeat=timezone.now(),
                               **{status: F(status) + n for status, n in counts.items()}):
                raise JobTaken
            ImportJobEntry.objects.bulk_create(entries)
        self.pending.clear()
        self.warned = len(report.warnings)


def _restart(job):
    with transaction.atomic():
        job.entries.all().delete()
        ImportJob.objects.filter(pk=job.pk).update(files_done=0, warnings=0,
                                                   **dict.fromkeys(STATUSES, 0))
    job.refresh_from_db()


def _finish(job, task_id, state, **fields):
    """End the job (if this run still owns it) and remove its folder."""
    ended = ImportJob.objects.filter(pk=job.pk, task_id=task_id).exclude(
        state__in=(ImportJob.State.DONE, ImportJob.State.FAILED)).update(
        state=state, finished_at=timezone.now(), heartbeat=timezone.now(), folder="", **fields)
    if ended and job.folder:
        shutil.rmtree(jobs_dir() / job.folder, ignore_errors=True)
    return ended


# ---------------------------------------------------------------------------------------------
# Workers that stopped


def worker_id():
    """This process as a worker: its host and process id, which tell `requeue_stalled` on the
    same host whether it is still there."""
    return f"{socket.gethostname()[:50]}:{os.getpid()}"


def process_alive(pid):
    """Whether process `pid` runs on this host (a zombie, dead but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True  # no /proc here: the signal said it is there


def _worker_gone(job, task, now, alive):
    worker = job.worker if job.state == ImportJob.State.RUNNING else ""
    worker = worker or (task.worker_ids[-1] if task.worker_ids else "")
    host, _, pid = worker.rpartition(":")
    if host == socket.gethostname()[:50] and pid.isdigit() and not alive(int(pid)):
        return True
    seen = job.heartbeat if job.state == ImportJob.State.RUNNING else None
    seen = seen or task.started_at or now
    return now - seen > STALE_AFTER


def requeue_stalled(*, now=None, alive=process_alive):
    """Requeue every unfinished job whose worker is gone: killed (SIGKILL, out of memory, a
    power cut), stopped in the middle of a task, or silent for STALE_AFTER. Its task is marked
    failed and a new one queued; the job goes on where its report ends. A job that has stopped
    its worker MAX_ATTEMPTS times fails instead. Returns the jobs requeued or failed.
    `alive(pid)` tells whether a process of this host runs (a seam for tests)."""
    now = now or timezone.now()
    touched = []
    for job in ImportJob.objects.filter(state__in=UNFINISHED).order_by("pk"):
        task = DBTaskResult.objects.filter(id=job.task_id).first() if job.task_id else None
        status = task.status if task is not None else None
        if status == TaskResultStatus.READY:
            continue  # waiting its turn
        if status == TaskResultStatus.RUNNING and not _worker_gone(job, task, now, alive):
            continue
        job = _requeue(job, task, now)
        if job is not None:
            touched.append(job)
    return touched


def _requeue(job, task, now):
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(
            pk=job.pk, task_id=job.task_id, state__in=UNFINISHED).first()
        if job is None:
            return None  # another worker saw to it first
        if task is not None:
            DBTaskResult.objects.filter(id=task.id, status=TaskResultStatus.RUNNING).update(
                status=TaskResultStatus.FAILED, finished_at=now,
                exception_class_path=f"{__name__}.{JobTaken.__name__}",
                traceback=f"The worker {task.worker_ids[-1] if task.worker_ids else ''} stopped "
                          "during this task (see the import job).\n")
        if job.attempts >= MAX_ATTEMPTS:
            logger.error("Import job %s stopped its worker %d times; failed", job.pk,
                         job.attempts)
            folder = job.folder
            job.state, job.finished_at, job.folder = ImportJob.State.FAILED, now, ""
            job.error = (f"the worker stopped during this import {job.attempts} times (killed, "
                         "out of memory or restarted); the files it reported are imported: "
                         "upload the others again")
            job.save(update_fields=["state", "finished_at", "folder", "error"])
        else:
            logger.warning("Import job %s: its worker is gone; queued again after %d files",
                           job.pk, job.files_done)
            folder = ""
            job.task_id = str(run_import.enqueue(job.pk).id)
            job.state, job.worker = ImportJob.State.QUEUED, ""
            job.save(update_fields=["task_id", "state", "worker"])
    if folder:
        shutil.rmtree(jobs_dir() / folder, ignore_errors=True)
    return job


# ---------------------------------------------------------------------------------------------
# Reading


def visible_jobs(user, jobs=None):
    """The jobs `user` may see: every job for an editor, their own for anyone else who may
    import, none for the others."""
    jobs = ImportJob.objects.all() if jobs is None else jobs
    if not user.has_perm(IMPORT_PERMISSION):
        return jobs.none()
    if can_publish(user):
        return jobs
    return jobs.filter(user=user)


def can_view(user, job):
    return visible_jobs(user, ImportJob.objects.filter(pk=job.pk)).exists()


def report_of(job):
    """The job's report as the import page shows one (an ImportReport): totals, the files
    listed and the warnings."""
    report = ImportReport(dry_run=job.dry_run)
    report.totals = {status: getattr(job, status) for status in STATUSES}
    report.links_resolved, report.links_unresolved = job.links_resolved, job.links_unresolved
    report.links_counted, report.resolve_seconds = job.links_counted, job.resolve_seconds
    for entry in job.entries.order_by("pk"):
        if entry.status == ImportJobEntry.WARNING:
            report.warnings.append(InputWarning(entry.name, entry.reason, entry.line))
        else:
            report.results.append(FileResult(entry.name, entry.status, entry.article_id,
                                             entry.headline, entry.reason, entry.line))
    report.failures = [result for result in report.results if result.status == FAILED]
    return report


def progress(job):
    """What the job page's script needs to redraw its progress bar."""
    return {
        "state": job.state,
        "state_label": job.get_state_display(),
        "finished": job.finished,
        "files_done": job.files_done,
        "files_total": max(job.files_total, job.files_done),
        "attempts": job.attempts,
    }
