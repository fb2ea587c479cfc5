"""An article's revisions: what every change recorded (django-reversion), its history with the
differences between revisions, and an editor's restore of an earlier one.

A revision holds the article, its sidebar's items, its tag rows and its corrections, with who
and when, and what was done. Reversion records only inside a block, so every route that writes
opens one on purpose (`revision()`): the desk's saves, the workflow's bulk changes, an import's
update, a restore, an accepted pending version. An archive import creates articles with no
revision (it would cost more than the import itself): before such an article's first recorded
change, its state as imported is recorded as a revision of its own (`record_as_imported`),
revision zero of its history.
"""

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

import reversion
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.safestring import mark_safe
from reversion.models import Version
from taggit.models import Tag

from . import workflow  # workflow records through this module: read its names at call time
from .models import Article, Correction, PendingVersion, RelatedLink, TaggedArticle
from .textdiff import text_diff

AS_IMPORTED = "As imported"
# What a restore puts back: the text editors read. Never the status or the published time,
# which only the workflow changes; nor the slug, source or URL, which identify the story.
RESTORED_FIELDS = ("headline", "kicker", "image_caption", "body", "language")
RESTORED_LINK_FIELDS = ("position", "kind", "title", "teaser", "truncated", "duration_seconds",
                        "language", "url", "match_key")
# Kept out of revisions: what is derived from the rest, or the import's own bookkeeping.
_NOT_RECORDED = ("import_digest", "headline_key", "lead_key", "lead", "updated_at",
                 "corrected_at", "tags")


def register():
    """Tell reversion what an article's revision holds (called once, when the app is ready)."""
    if reversion.is_registered(Article):
        return
    reversion.register(Article, exclude=_NOT_RECORDED,
                       follow=("related_links", "taggedarticle_set", "corrections"))
    reversion.register(RelatedLink)
    reversion.register(TaggedArticle)
    reversion.register(Correction)


@contextmanager
def revision(user, comment):
    """Record what is saved inside as one revision by `user` (None: no one, as a scheduled
    import), with `comment`. Inside another block it joins that one."""
    with reversion.create_revision():
        if user is not None and user.is_authenticated:
            reversion.set_user(user)
        reversion.set_comment(comment)
        yield


def _with_parts(articles):
    return articles.prefetch_related("related_links", "taggedarticle_set", "corrections")


def add(articles):
    """Add `articles` (a QuerySet), as they now stand with their parts, to the current
    revision."""
    for article in _with_parts(articles):
        reversion.add_to_revision(article)


def record(articles, user, comment):
    """One revision of `articles` (a QuerySet) as they now stand."""
    with revision(user, comment):
        add(articles)


def record_as_imported(article_ids):
    """Before the first recorded change of articles the import created (with no revision),
    record them as they stand, as a revision of its own ("As imported"). Call it before the
    block of the change: a block opened inside another joins it, so inside one this records
    nothing (the route that opened it has called it first)."""
    if reversion.is_active():
        return
    ids = {str(pk) for pk in article_ids}
    if not ids:
        return
    recorded = set(Version.objects.get_for_model(Article).filter(object_id__in=ids)
                   .values_list("object_id", flat=True))
    unrecorded = ids - recorded
    if unrecorded:
        record(Article.objects.filter(pk__in=unrecorded), None, AS_IMPORTED)


# ---------------------------------------------------------------------------------------------
# What a revision shows


@dataclass(frozen=True)
class Snapshot:
    """An article's content as a person reads it, for comparing two states of it."""

    headline: str = ""
    kicker: str = ""
    image_caption: str = ""
    body: str = ""
    sidebar: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    status: str = ""
    published_at: str = ""


COMPARED = (("headline", "Headline"), ("kicker", "Kicker"), ("image_caption", "Image caption"),
            ("body", "Body"), ("sidebar", "Sidebar"), ("tags", "Tags"), ("status", "Status"),
            ("published_at", "Published time"))


@dataclass(frozen=True)
class Change:
    label: str
    paragraphs: list  # HTML, escaped, with <del> and <ins>


def changes(old, new):
    """What differs from Snapshot `old` to `new`, field by field, as word-level differences."""
    found = []
    for name, label in COMPARED:
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            if isinstance(before, tuple):
                before, after = "\n".join(before), "\n".join(after)
            # Each fragment was escaped by text_diff before it was marked up.
            found.append(Change(label, [mark_safe(p) for p in text_diff(before, after)]))  # noqa: S308
    return found


def _duration(seconds):
    if seconds is None:
        return "Go to video"
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def sidebar_line(values, targets=None):
    """One sidebar item (RelatedLink values by name, `target_id` included) as a line of text."""
    if values.get("kind") == RelatedLink.Kind.VIDEO:
        line = f"Video ({_duration(values.get('duration_seconds'))}): {values.get('title', '')}"
    else:
        # A scraped story has its teaser; a saved page's or a feed's, its headline.
        text = values.get("teaser") or values.get("title", "")
        line = f"Story: {text}{'…' if values.get('truncated') else ''}"
    target = values.get("target_id")
    if target:
        line += f" → “{(targets or {}).get(target, f'article {target}')}”"
    elif values.get("url"):
        line += f" → {values['url']}"
    return line


def _when(value):
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def _status(value):
    try:
        return Article.Status(value).label
    except ValueError:
        return value or ""


def snapshot(fields, links, tags, targets=None):
    """A Snapshot from an article's values by name, its links' values (in any order) and its
    tag names."""
    ordered = sorted(links, key=lambda link: (link.get("position", 0), link.get("id") or 0))
    return Snapshot(
        headline=fields.get("headline", ""), kicker=fields.get("kicker", ""),
        image_caption=fields.get("image_caption", ""), body=fields.get("body", ""),
        sidebar=tuple(sidebar_line(link, targets) for link in ordered),
        tags=tuple(sorted(tags, key=str.casefold)),
        status=_status(fields.get("status", "")), published_at=_when(fields.get("published_at")),
    )


def current_snapshot(article, targets=True):
    """The article as it now stands in the database (`targets`: with where its sidebar's items
    lead)."""
    links = list(article.related_links.values("id", *RESTORED_LINK_FIELDS,
                                              *(("target_id",) if targets else ())))
    if not targets:
        links = [{**link, "url": ""} for link in links]
    return snapshot(
        {name: getattr(article, name) for name in (*RESTORED_FIELDS, "status", "published_at")},
        links, [tag.name for tag in article.tags_by_name()], _targets(links))


def pending_snapshot(pending, article):
    """What the article would read if `pending` were accepted (its status and time stay)."""
    links = [{**link, "target_id": None} for link in pending.links]
    return snapshot({**pending.values(), "status": article.status,
                     "published_at": article.published_at}, links,
                    {*pending.tags, *(tag.name for tag in article.tags_by_name())})


def _targets(links):
    ids = {link["target_id"] for link in links if link.get("target_id")}
    return dict(Article.objects.filter(pk__in=ids).values_list("pk", "headline")) if ids else {}


# ---------------------------------------------------------------------------------------------
# The history


@dataclass
class Entry:
    """One line of an article's history, newest first on the page."""

    when: datetime
    who: str
    comment: str
    changes: list = field(default_factory=list)
    number: int | None = None  # of a revision; None for a dismissed pending version
    version: Version | None = None  # what a restore goes back to; None for no revision
    current: bool = False  # the newest revision: the article as it stands
    first: bool = False  # nothing before it to compare with


class _Revisions:
    """An article's recorded versions, oldest first, each with its parts' values, read in a
    few queries whatever the number of articles a revision holds (a bulk action's)."""

    def __init__(self, article):
        self.article = article
        self.versions = list(Version.objects.get_for_object(article)
                             .select_related("revision__user").order_by("pk"))
        self.first_number = (0 if self.versions and self.versions[0].revision.comment
                             == AS_IMPORTED else 1)
        self.links, self.tag_ids = {}, {}
        revision_ids = [version.revision_id for version in self.versions]
        link_type = ContentType.objects.get_for_model(RelatedLink)
        tag_type = ContentType.objects.get_for_model(TaggedArticle)
        # A bulk action's revision holds every article it changed: only this one's parts are
        # read (the JSON serializer writes a key as `"name": value`), then checked exactly.
        parts = Version.objects.filter(revision_id__in=revision_ids).filter(
            Q(content_type=link_type, serialized_data__contains=f'"article": {article.pk}')
            | Q(content_type=tag_type,
                serialized_data__contains=f'"content_object": {article.pk}'))
        for part in parts:
            values = part.field_dict
            if part.content_type_id == link_type.pk and values["article_id"] == article.pk:
                self.links.setdefault(part.revision_id, []).append(values)
            elif (part.content_type_id == tag_type.pk
                  and values["content_object_id"] == article.pk):
                self.tag_ids.setdefault(part.revision_id, []).append(values["tag_id"])
        tag_ids = {pk for ids in self.tag_ids.values() for pk in ids}
        self.tag_names = dict(Tag.objects.filter(pk__in=tag_ids).values_list("pk", "name"))
        self.targets = _targets([link for links in self.links.values() for link in links])

    def number(self, version):
        return self.first_number + self.versions.index(version)

    def links_of(self, version):
        return self.links.get(version.revision_id, [])

    def tags_of(self, version):
        return [self.tag_names[pk] for pk in self.tag_ids.get(version.revision_id, [])
                if pk in self.tag_names]

    def snapshot(self, version):
        return snapshot(version.field_dict, self.links_of(version), self.tags_of(version),
                        self.targets)


def _label(version):
    comment = version.revision.comment
    if comment != AS_IMPORTED:
        return comment or "Changed."
    values = version.field_dict
    if values.get("imported_at"):
        return (f"Imported from {values.get('source_file') or 'a file'} on "
                f"{_when(values['imported_at'])}")
    return "As it stood before its first recorded change"


def _who(user):
    if user is None:
        return "the import"
    return user.get_full_name() or user.get_username()


def history(article):
    """The article's history, newest first: each revision with what it changed against the one
    before; revision zero, the article as imported; and the pending versions editors
    dismissed."""
    revisions = _Revisions(article)
    entries, before = [], None
    for version in revisions.versions:
        now = revisions.snapshot(version)
        entries.append(Entry(
            when=version.revision.date_created, who=_who(version.revision.user),
            comment=_label(version), changes=changes(before, now) if before else [],
            number=revisions.number(version), version=version, first=before is None))
        before = now
    if entries:
        entries[-1].current = True
    elif article.imported_at:
        entries.append(Entry(when=article.imported_at, who="the import",
                             comment=f"Imported from {article.source_file or 'a file'} on "
                                     f"{_when(article.imported_at)}",
                             number=0, current=True, first=True))
    dismissed = article.pending_versions.filter(state=PendingVersion.State.DISMISSED)
    for pending in dismissed.select_related("decided_by"):
        entries.append(Entry(
            when=pending.decided_at, who=_who(pending.decided_by) if pending.decided_by else "",
            comment=f"Dismissed the version imported from {pending.source_file} on "
                    f"{_when(pending.imported_at)}",
            changes=changes(_live_at(revisions, pending.decided_at, article),
                            pending_snapshot(pending, article))))
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries


def _live_at(revisions, moment, article):
    """The article's text at `moment`, as its revisions recorded it (else as it is now)."""
    earlier = [v for v in revisions.versions if v.revision.date_created <= moment]
    return revisions.snapshot(earlier[-1]) if earlier else current_snapshot(article)


# ---------------------------------------------------------------------------------------------
# Restoring


class NotARevision(LookupError):
    """The version asked for is not one of this article's."""


def restore(article, version_id, user):
    """Put the article's text, sidebar and tags back as revision `version_id` recorded them,
    as `user` (an editor), recording a revision "Restored revision #N". The status, the
    published time, the slug and the source stay as they are. Returns N."""
    workflow.check_can_publish(user)
    revisions = _Revisions(article)
    version = next((v for v in revisions.versions if v.pk == version_id), None)
    if version is None:
        raise NotARevision(f"revision {version_id} is not one of article {article.pk}'s")
    number = revisions.number(version)
    values = version.field_dict
    with transaction.atomic():
        record_as_imported([article.pk])
        article = Article.objects.select_for_update().get(pk=article.pk)
        with revision(user, f"Restored revision #{number}"):
            for name in RESTORED_FIELDS:
                setattr(article, name, values.get(name, getattr(article, name)))
            article.save()  # its derived fields, and what readers see, follow
            existing_targets = set(Article.objects.filter(
                pk__in={link["target_id"] for link in revisions.links_of(version)
                        if link.get("target_id")}).values_list("pk", flat=True))
            article.related_links.all().delete()
            RelatedLink.objects.bulk_create(
                RelatedLink(article=article, **{name: link[name] for name in RESTORED_LINK_FIELDS},
                            target_id=link.get("target_id") if link.get("target_id")
                            in existing_targets else None)
                for link in revisions.links_of(version))
            article.tags.set(list(Tag.objects.filter(
                pk__in=revisions.tag_ids.get(version.revision_id, []))))
            add(Article.objects.filter(pk=article.pk))
    return number
