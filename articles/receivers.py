"""Saves and deletes through the ORM, told as content_changed (see articles.signals)."""

from django.db.models import OuterRef, Subquery
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone
from taggit.models import Tag

from .models import Article, Correction, RelatedLink, Source, TaggedArticle
from .signals import content_changed


@receiver([post_save, post_delete], sender=Correction)
def touch_corrected_article(sender, instance, **kwargs):
    # Readers, feeds and sitemaps see a correction as a change to the article.
    latest = Correction.objects.filter(article=OuterRef("pk")).order_by("-noted_at")
    Article.objects.filter(pk=instance.article_id).update(
        updated_at=timezone.now(), corrected_at=Subquery(latest.values("noted_at")[:1]))


@receiver(pre_save, sender=Article)
def remember_previous_source(sender, instance, raw=False, **kwargs):
    # An article moved to another source leaves the old source's page too.
    if instance.pk and not raw:
        instance._previous_source_id = (
            Article.objects.filter(pk=instance.pk).values_list("source", flat=True).first())


@receiver([post_save, post_delete], sender=Article)
def article_changed(sender, instance, **kwargs):
    sources = {instance.source_id, getattr(instance, "_previous_source_id", None)} - {None}
    content_changed.send(sender=sender, articles=[instance.pk], sources=sources)


@receiver([post_save, post_delete], sender=RelatedLink)
@receiver([post_save, post_delete], sender=Correction)
def part_of_article_changed(sender, instance, **kwargs):
    content_changed.send(sender=sender, articles=[instance.article_id])


@receiver([post_save, post_delete], sender=Source)
def source_changed(sender, instance, created=False, **kwargs):
    if not created:  # a new source is on no page yet
        content_changed.send(sender=sender, sources=[instance.pk])


@receiver([post_save, post_delete], sender=Tag)
def tag_changed(sender, instance, created=False, **kwargs):
    if not created:  # a new tag is on no page yet
        content_changed.send(sender=sender, tags=[instance.pk])


@receiver([post_save, post_delete], sender=TaggedArticle)
def tagging_changed(sender, instance, **kwargs):
    content_changed.send(sender=sender, articles=[instance.content_object_id],
                         tags=[instance.tag_id])


@receiver(m2m_changed, sender=TaggedArticle)
def tags_changed(sender, instance, action, pk_set=None, **kwargs):
    # Before a clear, while its rows still say which tags it removes; after the others.
    if action not in ("pre_clear", "post_add", "post_remove"):
        return
    if isinstance(instance, Article):
        articles = [instance.pk]
        tags = list(pk_set or ()) if pk_set else list(instance.tags.values_list("pk", flat=True))
    else:  # from the tag's side
        tags = [instance.pk]
        articles = list(pk_set or ())
    content_changed.send(sender=sender, articles=articles, tags=tags)
