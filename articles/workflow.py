"""Publishing rules, in one place, for every route that changes what readers see."""

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from .cache import bump_content_version
from .models import Article

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


def publish(articles, user):
    """Publish now, or at the time already set (a future time keeps it scheduled). Articles
    whose headline the import proposed are held back: an editor writes one first."""
    check_can_publish(user)
    articles = articles.filter(headline_proposed=False)
    now = timezone.now()
    untimed = articles.filter(published_at__isnull=True).update(
        status=Article.Status.PUBLISHED, published_at=now, updated_at=now
    )
    timed = articles.filter(published_at__isnull=False).exclude(
        status=Article.Status.PUBLISHED
    ).update(status=Article.Status.PUBLISHED, updated_at=now)
    bump_content_version()
    return untimed + timed


def unpublish(articles, user):
    """Withdraw from readers; the article and its published time are kept."""
    check_can_publish(user)
    count = articles.filter(status=Article.Status.PUBLISHED).update(
        status=Article.Status.UNPUBLISHED, updated_at=timezone.now()
    )
    bump_content_version()
    return count
