"""Stories as rows: articles.coverage's grouping of articles that report one event, kept in step
with the articles, and the editors' decisions that override it.

An article is grouped once its evidence is read (a StoryEvidence row); one without is waiting.
The import's new articles wait, as does every article an edit changes the text or time of; when
a transaction that left articles waiting commits (an edit, an import's batch), the waiting ones
are grouped there and then if they are few (INLINE), else by the job worker (`run_jobs`), so an
archive's import never waits for its grouping. `manage.py cluster_stories` groups the whole
archive again.

Editors' decisions hold: an article an editor detached or merged is pinned (story_pinned) and
stays where they put it; regrouping moves only the others. A story left with one article is
dissolved, and its article is free again.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import router, transaction
from django.db.models import Case, Count, Q, Value, When
from django.db.models.functions import Coalesce
from django.db.models.signals import post_save, pre_delete
from django.dispatch import receiver
from django_tasks import task
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from . import (
    about,  # noqa: F401 - its save receiver runs first: the countries, then the story
    coverage,
)
from .coverage.grouping import NEAR_WINDOW, WINDOW
from .models import Article, Story, StoryEvidence
from .signals import MAX_NAMED, content_changed

logger = logging.getLogger(__name__)

INLINE = 200  # waiting articles grouped in the process that wrote them; more go to the worker
BATCH_SIZE = 1000  # articles grouped together (one transaction each)
MAX_BATCH_SIZE = 10_000  # an UPDATE of a batch's moves names each article twice: SQLite's
# limit of 32,766 parameters
# A save writing one of these may change the article's story.
FIELDS = frozenset({"headline", "kicker", "image_caption", "body", "language", "published_at"})
_READ = (*FIELDS, "country_codes", "created_at", "story", "story_pinned")
# When an article reports from (see _time), as the database orders and compares it.
TIME = Coalesce("published_at", "created_at")
# Held articles a new one may join: any but those an editor set apart on their own.
GROUPABLE = Q(article__story_pinned=False) | Q(article__story__isnull=False)


@dataclass
class Outcome:
    """What a grouping did: articles it read, articles it moved, stories it made."""

    grouped: int = 0
    moved: int = 0
    created: int = 0

    def add(self, other):
        self.grouped += other.grouped
        self.moved += other.moved
        self.created += other.created


# ---------------------------------------------------------------------------------------------
# Grouping


def group_waiting(*, inline=INLINE):
    """Group the articles waiting: here when there are at most `inline` of them, else queue the
    worker's task. Returns the Outcome of what it grouped here (nothing when it queued)."""
    waiting = _waiting()
    count = waiting.order_by()[:inline + 1].count()
    if not count:
        return Outcome()
    if count > inline:
        schedule()
        return Outcome()
    return group(list(waiting.values_list("pk", flat=True)))


def group_all_waiting(batch_size=BATCH_SIZE, on_batch=None):
    """Group every waiting article, `batch_size` at a time, oldest first."""
    outcome = Outcome()
    while True:
        keys = list(_waiting().order_by(TIME, "pk")
                    .values_list("pk", flat=True)[:batch_size])
        if not keys:
            return outcome
        outcome.add(group(keys))
        if on_batch:
            on_batch(outcome)


def group(keys):
    """Read the evidence of the articles `keys` again and place each in the story it reports,
    among the articles of the same days; returns an Outcome. Articles far apart in time are
    placed a run of close ones at a time, each among the articles of its own days only."""
    articles = _read(keys)
    outcome = Outcome()
    run = []
    for article in articles:
        if run and (_time(article) - _time(run[-1])).total_seconds() > NEAR_WINDOW + WINDOW:
            outcome.add(_group_run(run, keys))
            run = []
        run.append(article)
    if run:
        outcome.add(_group_run(run, keys))
    return outcome


def _group_run(articles, keys):
    evidence = _evidence_of(articles)
    grouper = coverage.Grouper()
    held = (StoryEvidence.objects
            .filter(time__gte=_time(articles[0]) - timedelta(seconds=NEAR_WINDOW),
                    time__lte=_time(articles[-1]) + timedelta(seconds=WINDOW))
            .exclude(article__in=keys)
            .filter(GROUPABLE)
            .order_by("time", "article")
            .values_list("article", "evidence", "article__story"))
    for pk, data, story in held:
        grouper.add(pk, coverage.Evidence.from_json(data), story)
    with transaction.atomic():
        outcome = _Placer(grouper).place(articles, evidence)
        _keep_evidence(articles, evidence)
    return outcome


def recompute(batch_size=BATCH_SIZE, on_batch=None):
    """Group the whole archive again, oldest first, keeping what editors decided: `manage.py
    cluster_stories`. Each batch is one transaction; `on_batch(outcome)` hears of each.
    Returns the Outcome."""
    with transaction.atomic():
        Article.objects.filter(story_pinned=False, story__isnull=False).update(story=None)
        Story.objects.filter(articles=None).delete()
    order = list(Article.objects.order_by(TIME, "pk")
                 .values_list("pk", flat=True))
    grouper = coverage.Grouper()
    placer = _Placer(grouper, everything=True)
    outcome = Outcome()
    for start in range(0, len(order), batch_size):
        articles = _read(order[start:start + batch_size])
        evidence = _evidence_of(articles)
        with transaction.atomic():
            outcome.add(placer.place(articles, evidence))
            _keep_evidence(articles, evidence)
        if on_batch:
            on_batch(outcome)
    with transaction.atomic():
        _dissolve_lone(Story.objects.all(), tell=False)
    content_changed.send(sender=Story, everything=True)
    return outcome


def regroup(keys):
    """Articles whose time changed without a save (the desk's publish and schedule are
    updates): they wait again, to be grouped among the articles of their new days once the
    transaction commits."""
    moved = StoryEvidence.objects.filter(article__in=keys).exclude(
        time=Coalesce("article__published_at", "article__created_at"))  # TIME, from evidence
    if moved.delete()[0]:
        _group_on_commit(router.db_for_write(Article))


def _read(keys):
    """The articles `keys` as the grouping reads them, oldest first."""
    return sorted(Article.objects.filter(pk__in=keys).only(*_READ),
                  key=lambda article: (_time(article), article.pk))


def _keep_evidence(articles, evidence):
    """Write the articles' evidence over what was there: a grouping that ran beside (the
    worker's and an edit's, or cluster_stories) leaves one row an article, the last."""
    StoryEvidence.objects.bulk_create(
        [StoryEvidence(article_id=article.pk, time=_time(article),
                       evidence=evidence[article.pk].to_json()) for article in articles],
        update_conflicts=True, unique_fields=["article"], update_fields=["time", "evidence"])


class _Placer:
    """Places articles, in time order, in the Grouper's stories, and writes where they go.
    `everything`: the whole archive is regrouped, and every page told at the end instead."""

    def __init__(self, grouper, *, everything=False):
        self.grouper = grouper
        self.everything = everything

    def place(self, articles, evidence):
        outcome = Outcome(grouped=len(articles))
        moves = {}  # article pk -> its new story (a pk, a _NewStory, or None: alone)
        touched = set()  # the stories whose articles change
        for article in articles:
            ev = evidence[article.pk]
            self.grouper.slide(ev.time)
            if article.story_pinned:
                if article.story_id:
                    self.grouper.add(article.pk, ev, article.story_id)
                continue
            match = self.grouper.place(ev, exclude={article.pk})
            story = match.story if match else None
            if match and story is None:
                # Its match was alone: the two of them make a new story.
                story = _NewStory()
                moves[match.key] = story
                self.grouper.move(match.key, story)
            if story != article.story_id:
                moves[article.pk] = story
                touched.add(article.story_id)
            self.grouper.add(article.pk, ev, story)
        new = list(dict.fromkeys(story for story in moves.values()
                                 if isinstance(story, _NewStory)))
        # One INSERT for every story the batch makes, then their rows' keys stand in (a
        # database that cannot return them creates them one by one).
        rows = Story.objects.bulk_create(Story() for _ in new)
        for placeholder, row in zip(new, rows, strict=True):
            placeholder.pk = row.pk if row.pk is not None else Story.objects.create().pk
        outcome.created = len(new)
        members = {}
        for pk, story in moves.items():
            members.setdefault(getattr(story, "pk", story), []).append(pk)
        if members:
            # One UPDATE however many stories the batch moves articles to.
            Article.objects.filter(pk__in=moves).update(story=Case(
                *(When(pk__in=keys, then=Value(story)) for story, keys in members.items()
                  if story is not None), default=None))
        self.grouper.rename({story: story.pk for story in new})
        outcome.moved = len(moves)
        touched = (touched | set(members)) - {None}
        if not self.everything:
            # The pages of a dissolved story are told with the others, by its key.
            _dissolve_lone(Story.objects.filter(pk__in=touched), tell=False)
            if moves:
                _changed(moves.keys(), touched)
        return outcome


class _NewStory:
    """A story a batch makes, until its row is written."""

    pk = None


def _dissolve_lone(stories, *, tell=True):
    """Dissolve the stories among `stories` left with fewer than two articles: the one left is
    free again, and (with `tell`) the pages showing the story are told. Returns their pks."""
    lone = list(stories.annotate(size=Count("articles")).filter(size__lt=2)
                .values_list("pk", flat=True))
    if lone:
        freed = list(Article.objects.filter(story__in=lone).values_list("pk", flat=True))
        Article.objects.filter(pk__in=freed).update(story=None, story_pinned=False)
        Story.objects.filter(pk__in=lone).delete()
        if tell:
            content_changed.send(sender=Story, articles=freed, stories=lone)
    return lone


def _changed(articles, stories):
    """Tell the pages: the moved articles' own, and every page of the stories they left or
    joined (an update sends no model signals)."""
    articles = set(articles) | set(
        Article.objects.filter(story__in=stories).values_list("pk", flat=True)[:MAX_NAMED + 1])
    many = len(articles) > MAX_NAMED
    content_changed.send(sender=Story, articles=() if many else articles,
                         stories=() if many else stories, everything=many)


def _evidence_of(articles):
    # Its countries as its page reads them: kept on its row by articles.about.
    return {article.pk: coverage.evidence(
        article.headline, article.body, kicker=article.kicker or article.image_caption,
        language=article.language, time=_time(article).timestamp(),
        countries=article.country_codes.split()) for article in articles}


def _time(article):
    """When an article reports from: its published time, else when it was created."""
    return article.published_at or article.created_at


def _waiting():
    return Article.objects.filter(story_evidence__isnull=True)


# ---------------------------------------------------------------------------------------------
# The editors' decisions


def detach(articles):
    """Take `articles` out of their stories, each on its own from now on (pinned)."""
    articles = list(articles)
    stories = {article.story_id for article in articles} - {None}
    with transaction.atomic():
        Article.objects.filter(pk__in=[a.pk for a in articles]).update(story=None,
                                                                       story_pinned=True)
        _dissolve_lone(Story.objects.filter(pk__in=stories), tell=False)
    _changed([a.pk for a in articles], stories)
    return len(articles)


def merge(articles):
    """Put `articles` and every article of their stories into one story (the oldest of them,
    else a new one), all pinned there. Returns the story."""
    articles = list(articles)
    if len({article.pk for article in articles}) < 2:
        raise ValueError("A merge takes two articles or more.")
    stories = sorted({article.story_id for article in articles} - {None})
    with transaction.atomic():
        story = Story.objects.get(pk=stories[0]) if stories else Story.objects.create()
        members = Article.objects.filter(story__in=stories) | Article.objects.filter(
            pk__in=[a.pk for a in articles])
        keys = list(members.values_list("pk", flat=True))
        Article.objects.filter(pk__in=keys).update(story=story, story_pinned=True)
        Story.objects.filter(pk__in=stories[1:]).delete()
    _changed(keys, set(stories) | {story.pk})
    return story


# ---------------------------------------------------------------------------------------------
# Keeping them in step


@task()
def group_articles():
    """The job worker's task: group every waiting article."""
    outcome = group_all_waiting()
    return {"grouped": outcome.grouped, "moved": outcome.moved, "created": outcome.created}


GROUP_TASK = group_articles.module_path


def schedule():
    """Queue the worker's grouping of the waiting articles, unless none waits or it is queued
    already. The worker calls it when it starts (an archive imported before stories were kept,
    a grouping cut short); the import when it leaves more than INLINE waiting."""
    if not _waiting().exists() or DBTaskResult.objects.filter(task_path=GROUP_TASK,
                                   status=TaskResultStatus.READY).exists():
        return None
    return group_articles.enqueue()


class _AfterCommit:
    """The grouping a transaction's saves queue for its commit: once per transaction, however
    many saves it holds."""

    def __init__(self):
        self.done = False

    def __call__(self):
        self.done = True
        try:
            group_waiting()
        except Exception:
            # The edit is saved: its story follows with the next grouping, never lost.
            logger.exception("Grouping the waiting articles failed")


def _group_on_commit(using):
    connection = transaction.get_connection(using)
    queued = getattr(connection, "newsroom_grouping", None)
    # Still to run in this transaction (a rolled-back one takes its callbacks with it).
    if queued and not queued.done and any(entry[1] is queued
                                          for entry in connection.run_on_commit):
        return
    connection.newsroom_grouping = _AfterCommit()
    transaction.on_commit(connection.newsroom_grouping, using=using)


@receiver(post_save, sender=Article)
def article_saved(sender, instance, created=False, update_fields=None, raw=False, using=None,
                  **kwargs):
    """A save that may change the article's story leaves it waiting (a fixture's load, `raw`,
    is left to `manage.py cluster_stories`)."""
    if raw or (update_fields is not None and not FIELDS & set(update_fields)):
        return
    if not created:
        StoryEvidence.objects.using(using).filter(article=instance.pk).delete()
    _group_on_commit(using)


@receiver(pre_delete, sender=Article)
def article_deleted(sender, instance, using=None, **kwargs):
    """A story its deletion leaves with one article is dissolved once it commits (read from
    the row: the instance may predate its grouping)."""
    story = (Article.objects.using(using).filter(pk=instance.pk)
             .values_list("story", flat=True).first())
    if story:
        transaction.on_commit(
            lambda: _dissolve_lone(Story.objects.using(using).filter(pk=story)), using=using)
