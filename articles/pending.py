"""Pending versions: a re-import of a published or withdrawn story waits for an editor, who
accepts it (it becomes the live text) or dismisses it (it stays in the history as dismissed).
The import keeps them (ingest.writer.ArticleWriter.hold); the desk decides here."""

from django.db import transaction
from django.utils import formats, timezone

from . import revisions
from .ingest.writer import ArticleWriter, keep_original
from .models import Article, PendingVersion
from .workflow import check_can_publish


class AlreadyDecided(Exception):
    """The version was accepted, dismissed or replaced meanwhile."""


def waiting_version(article):
    """The version of `article` waiting for an editor, or None."""
    return (PendingVersion.objects.waiting().filter(article=article)
            .select_related("original").first())


def _locked(pending):
    found = (PendingVersion.objects.select_for_update().waiting()
             .filter(pk=pending.pk, article_id=pending.article_id).first())
    if found is None:
        raise AlreadyDecided("this version was decided or replaced meanwhile")
    return found


def accept(pending, user, writer=None):
    """Make the pending version the article's live text, through the import's update path
    (`writer`, an ingest.writer.ArticleWriter): text, sidebar and tags; the status, published
    time and slug stay. Recorded as a revision by `user`, an editor; readers' pages follow."""
    check_can_publish(user)
    writer = writer or ArticleWriter()
    with transaction.atomic():
        revisions.record_as_imported([pending.article_id])
        article = Article.objects.select_for_update().get(pk=pending.article_id)
        pending = _locked(pending)
        imported = formats.date_format(timezone.localtime(pending.imported_at),
                                       "DATETIME_FORMAT")
        with revisions.revision(user, f"Accepted the version imported from "
                                      f"{pending.source_file} on {imported}"):
            writer.overwrite(article, pending.values(), pending.links, pending.digest,
                             pending.tags, pending.imported_at)
            revisions.add(Article.objects.filter(pk=article.pk))
        _decide(pending, PendingVersion.State.ACCEPTED, user)
        if pending.original_id:
            keep_original(article, pending.original)
    return article


def dismiss(pending, user):
    """Leave the live text as it is; the version stays in the history as dismissed, and the
    same file imported again adds no new one."""
    check_can_publish(user)
    with transaction.atomic():
        pending = _locked(pending)
        _decide(pending, PendingVersion.State.DISMISSED, user)
    return pending


def _decide(pending, state, user):
    pending.state = state
    pending.decided_by = user
    pending.decided_at = timezone.now()
    pending.save(update_fields=["state", "decided_by", "decided_at"])
