"""Publishing rules, in one place, for every route that changes what readers see."""

import functools
import operator
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from taggit.models import Tag

from . import revisions
from .models import Article, Correction, RelatedLink, TaggedArticle
from .signals import content_changed

PUBLISH_PERMISSION = "articles.publish_article"


@dataclass(frozen=True)
class Belonging:
    """How the rows of a model belong to articles.

    `lookup` goes from Article to the rows (``Article.objects.filter(**{lookup: row})`` are
    the row's articles); `owner`, when the row names its one article itself, is that foreign
    key: a form that sets it chooses which article the row becomes part of."""

    lookup: str
    owner: str | None = None


# Every model whose rows are part of what readers see of an article. Once an article is out
# of the reporters' statuses, all of these rows are the editors' to change: the admin applies
# this to every page of these models (admin.ArticleContentMixin, enforced by a system check).
ARTICLE_CONTENT = {
    Article: Belonging("pk"),
    RelatedLink: Belonging("related_links", owner="article"),
    Correction: Belonging("corrections", owner="article"),
    TaggedArticle: Belonging("taggedarticle", owner="content_object"),
    # A tag belongs to every article that uses it: renaming it renames it on each of them.
    Tag: Belonging("tags"),
}


def belonging(model):
    """How rows of `model` belong to articles, or None when they are not article content."""
    return ARTICLE_CONTENT.get(model._meta.concrete_model)


def can_publish(user):
    return user.has_perm(PUBLISH_PERMISSION)


def _locked_articles():
    """Articles whose content only editors may change: published or withdrawn."""
    return Article.objects.exclude(status__in=Article.REPORTER_STATUSES)


def editable_articles(user):
    """The articles whose content `user` may change, and so may attach rows to."""
    if can_publish(user):
        return Article.objects.all()
    return Article.objects.filter(status__in=Article.REPORTER_STATUSES)


def can_edit_content(user, row):
    """Reporters write drafts; once an article is published (or withdrawn), its text, links,
    corrections and tags are an editor's to change. `row` is an article or any row of
    ARTICLE_CONTENT (None: a new article). A row with an owner counts for the article it names
    now (a form may have just changed it) as well as for the one it is stored under."""
    if can_publish(user) or row is None:
        return True
    if isinstance(row, Article):
        return row.status in Article.REPORTER_STATUSES
    how = belonging(type(row))
    if how is None:
        raise TypeError(f"{type(row).__name__} is not article content (workflow.ARTICLE_CONTENT)")
    owners = []
    if how.owner:
        owner_id = getattr(row, type(row)._meta.get_field(how.owner).attname)
        if owner_id is not None:
            owners.append(Q(pk=owner_id))
    if row.pk is not None:
        owners.append(Q(**{how.lookup: row.pk}))
    if not owners:
        return True  # a row of no article yet
    return not _locked_articles().filter(functools.reduce(operator.or_, owners)).exists()


def editable_rows(user, rows):
    """The rows of a QuerySet of article content that `user` may change or delete."""
    if can_publish(user):
        return rows
    how = belonging(rows.model)
    if how is None:
        raise TypeError(f"{rows.model.__name__} is not article content (workflow.ARTICLE_CONTENT)")
    return rows.exclude(Exists(_locked_articles().filter(**{how.lookup: OuterRef("pk")})))


def check_can_publish(user):
    if not can_publish(user):
        raise PermissionDenied("Only editors may publish, unpublish or schedule articles.")


def _changed(articles, change, user, comment):
    """Apply `change` (an update of the QuerySet `articles`) and announce it: QuerySet.update()
    sends no model signals, and records no revision, so each article changed is added to one
    by `user` with `comment`. Returns the number of articles changed."""
    ids = list(articles.values_list("pk", flat=True))
    if not ids:
        return 0
    revisions.record_as_imported(ids)
    with revisions.revision(user, comment):
        count = change(Article.objects.filter(pk__in=ids))
        if count:
            revisions.add(Article.objects.filter(pk__in=ids))
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
                    .exclude(status=Article.Status.PUBLISHED, published_at__isnull=False), change,
                    user, "Published.")


def unpublish(articles, user):
    """Withdraw from readers; the article and its published time are kept."""
    check_can_publish(user)
    return _changed(articles.filter(status=Article.Status.PUBLISHED), lambda chosen: chosen.update(
        status=Article.Status.UNPUBLISHED, updated_at=timezone.now()), user, "Unpublished.")


def submit_for_review(articles, user):
    """Mark drafts ready for an editor's review; anyone who may change articles may."""
    return _changed(articles.filter(status=Article.Status.DRAFT), lambda chosen: chosen.update(
        status=Article.Status.REVIEW, updated_at=timezone.now()), user, "Submitted for review.")
