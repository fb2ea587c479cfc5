"""Publishing rules, in one place, for every route that changes what readers see."""

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from .models import Article
from .signals import content_changed

PUBLISH_PERMISSION = "articles.publish_article"


def can_publish(user):
    return user.has_perm(PUBLISH_PERMISSION)


def can_edit_content(user, article):
    """Reporters write drafts; once an article is published (or withdrawn), its text is an
    editor's to change."""
    return (can_publish(user) or article is None
            or article.status in Article.REPORTER_STATUSES)


def check_can_publish(user):
    if not can_publish(user):
        raise PermissionDenied("Only editors may publish, unpublish or schedule articles.")


def _changed(articles, change):
    """Apply `change` (an update of the QuerySet `articles`) and announce it: QuerySet.update()
    sends no model signals. Returns the number of articles changed."""
    ids = list(articles.values_list("pk", flat=True))
    count = change(Article.objects.filter(pk__in=ids)) if ids else 0
    if count:
        content_changed.send(sender=Article, articles=ids)
    return count


def publish(articles, user):
    """Publish now, or at the time already set (a future time keeps it scheduled). Articles
    whose headline the import proposed are held back: an editor writes one first."""
    check_can_publish(user)
    now = timezone.now()

    def change(chosen):
        # The timed ones first: the untimed are given a time.
        timed = chosen.filter(published_at__isnull=False).update(
            status=Article.Status.PUBLISHED, updated_at=now)
        untimed = chosen.filter(published_at__isnull=True).update(
            status=Article.Status.PUBLISHED, published_at=now, updated_at=now)
        return timed + untimed

    return _changed(articles.filter(headline_proposed=False)
                    .exclude(status=Article.Status.PUBLISHED, published_at__isnull=False), change)


def unpublish(articles, user):
    """Withdraw from readers; the article and its published time are kept."""
    check_can_publish(user)
    return _changed(articles.filter(status=Article.Status.PUBLISHED), lambda chosen: chosen.update(
        status=Article.Status.UNPUBLISHED, updated_at=timezone.now()))


def submit_for_review(articles, user):
    """Mark drafts ready for an editor's review; anyone who may change articles may."""
    return _changed(articles.filter(status=Article.Status.DRAFT), lambda chosen: chosen.update(
        status=Article.Status.REVIEW, updated_at=timezone.now()))
