"""Keep what readers see consistent when content changes: modified times and the page cache."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from taggit.models import Tag

from .cache import bump_content_version
from .models import Article, Correction, RelatedLink, Source, TaggedArticle


@receiver([post_save, post_delete], sender=Correction)
def touch_corrected_article(sender, instance, **kwargs):
    # Readers, feeds and sitemaps see a correction as a change to the article.
    Article.objects.filter(pk=instance.article_id).update(updated_at=timezone.now())


@receiver([post_save, post_delete], sender=Article)
@receiver([post_save, post_delete], sender=RelatedLink)
@receiver([post_save, post_delete], sender=Correction)
@receiver([post_save, post_delete], sender=Source)
@receiver([post_save, post_delete], sender=TaggedArticle)
@receiver([post_save, post_delete], sender=Tag)
@receiver(m2m_changed, sender=TaggedArticle)
def content_changed(sender, **kwargs):
    bump_content_version()
