"""Publishing rules, in one place, for every route that changes what readers see."""

import functools
import operator
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from taggit.models import Tag

from . import revisions, stories
from .models import Article, Correction, RelatedLink, TaggedArticle, is_published, published_q
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
        stories.regroup(ids)  # a new published time may be another story's days
    return count


def publish(articles, user, *, now=False):
    """Publish now, or at the time already set (a future time keeps it scheduled). With `now`,
    a time still to come is brought forward: the articles go live at once (a past time, such
    as the original one an import gave, is kept). Articles whose headline the import proposed
    are held back: an editor writes one first."""
    check_can_publish(user)
    moment = timezone.now()

    def change(chosen):
        published = {"status": Article.Status.PUBLISHED, "updated_at": moment}
        if now:  # the past times kept, the future ones brought forward
            counts = [chosen.filter(published_at__lte=moment).update(**published),
                      chosen.filter(published_at__gt=moment).update(**published,
                                                                    published_at=moment)]
        else:
            counts = [chosen.filter(published_at__isnull=False).update(**published)]
        # The untimed are given a time.
        counts.append(chosen.filter(published_at__isnull=True).update(**published,
                                                                      published_at=moment))
        return sum(counts)

    chosen = articles.filter(headline_proposed=False)
    # Live articles are left alone; without `now`, so are scheduled ones (their time stands).
    chosen = (chosen.exclude(published_q()) if now else
              chosen.exclude(status=Article.Status.PUBLISHED, published_at__isnull=False))
    return _changed(chosen, change, user, "Published.")


def schedule(articles, user, when):
    """Publish at `when`, a time still to come; a scheduled article is rescheduled. Live
    articles are left alone (unpublish first), and so are those whose headline the import
    proposed."""
    check_can_publish(user)
    if when is None or when <= timezone.now():
        raise ValueError("a schedule needs a time in the future")
    return _changed(articles.filter(headline_proposed=False).exclude(published_q()),
                    lambda chosen: chosen.update(status=Article.Status.PUBLISHED,
                                                 published_at=when, updated_at=timezone.now()),
                    user, "Scheduled.")


def unpublish(articles, user):
    """Withdraw from readers; the article and its published time are kept."""
    check_can_publish(user)
    return _changed(articles.filter(status=Article.Status.PUBLISHED), lambda chosen: chosen.update(
        status=Article.Status.UNPUBLISHED, updated_at=timezone.now()), user, "Unpublished.")


def submit_for_review(articles, user):
    """Mark drafts ready for an editor's review; anyone who may change articles may."""
    return _changed(articles.filter(status=Article.Status.DRAFT), lambda chosen: chosen.update(
        status=Article.Status.REVIEW, updated_at=timezone.now()), user, "Submitted for review.")


def return_to_draft(articles, user):
    """Back to draft: an article ready for review, by anyone who may change it; a withdrawn
    one by an editor only (it becomes the reporters' to edit again)."""
    statuses = [Article.Status.REVIEW]
    if can_publish(user):
        statuses.append(Article.Status.UNPUBLISHED)
    return _changed(articles.filter(status__in=statuses), lambda chosen: chosen.update(
        status=Article.Status.DRAFT, updated_at=timezone.now()), user, "Returned to draft.")


# -- the article form's buttons ------------------------------------------------------------------


class Step(models.TextChoices):
    """What a button of the article's form does once the form itself is saved, named for the
    status the article then has. No step at all: it keeps its status."""

    DRAFT = "draft", "Save draft"
    REVIEW = "review", "Submit for review"
    PUBLISH = "published", "Publish"
    SCHEDULE = "scheduled", "Schedule"
    UNPUBLISH = "unpublished", "Unpublish"


def current_step(article):
    """The step that names where `article` stands now: SCHEDULED for a published article whose
    time is still to come, else its status."""
    if article.status == Article.Status.PUBLISHED and not is_published(article):
        return Step.SCHEDULE
    return Step(article.status)


# The steps of reporters; the others need the "publish" permission.
REPORTER_STEPS = (Step.DRAFT, Step.REVIEW)


def role_steps(user):
    """Every step `user` may ever take, whatever the article."""
    return list(Step) if can_publish(user) else list(REPORTER_STEPS)


def steps(user, article):
    """The steps `user` may take on `article` (None: one being written), in the order the form
    offers them. On a draft, DRAFT saves it; on an article in review, REVIEW does."""
    status = article.status if article is not None else Article.Status.DRAFT
    live = article is not None and is_published(article)
    offered = []
    if status in Article.REPORTER_STATUSES or status == Article.Status.UNPUBLISHED:
        offered.append(Step.DRAFT)
    if status in Article.REPORTER_STATUSES:
        offered.append(Step.REVIEW)
    if not live:
        offered += [Step.PUBLISH, Step.SCHEDULE]
    if status == Article.Status.PUBLISHED:
        offered.append(Step.UNPUBLISH)
    allowed = role_steps(user) if can_edit_content(user, article) else []
    return [step for step in offered if step in allowed]


@dataclass(frozen=True)
class Refusal:
    """Why a step is refused, and what it is about: the step itself ("status") or the time a
    schedule asked for ("published_at")."""

    reason: str
    about: str = "status"


def step_refusal(user, article, step, *, when=None, headline_proposed=None):
    """Why `user` may not take `step` on `article` now (a Refusal), or None: they may. `when`
    is the time a schedule asks for; `headline_proposed` whether the headline will still be
    the import's (by default, the article's)."""
    if step not in steps(user, article):
        if step not in role_steps(user):
            return Refusal("Only editors may publish, unpublish or schedule articles.")
        return Refusal(f"“{Step(step).label}” is not a step this article can take now.")
    if headline_proposed is None:
        headline_proposed = article is not None and article.headline_proposed
    if step in (Step.PUBLISH, Step.SCHEDULE) and headline_proposed:
        return Refusal("The import proposed this headline: write one (or untick “headline "
                       "proposed by the import”) before publishing.")
    if step == Step.SCHEDULE and (when is None or when <= timezone.now()):
        return Refusal("Give the time it goes live: a time in the future.", "published_at")
    return None


def take_step(article, user, step, *, when=None):
    """Take `step` on the saved `article` by the rule of each; refuses (PermissionDenied)
    what step_refusal refuses of the article as it is stored now (another editor may have
    moved it since the form was read). Returns whether the article changed."""
    article = Article.objects.get(pk=article.pk)
    refusal = step_refusal(user, article, step, when=when)
    if refusal:
        raise PermissionDenied(refusal.reason)
    chosen = Article.objects.filter(pk=article.pk)
    if step == Step.DRAFT:
        count = return_to_draft(chosen, user)
    elif step == Step.REVIEW:
        count = submit_for_review(chosen, user)
    elif step == Step.PUBLISH:
        count = publish(chosen, user, now=True)
    elif step == Step.SCHEDULE:
        count = schedule(chosen, user, when)
    else:
        count = unpublish(chosen, user)
    return bool(count)
