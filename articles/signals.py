"""Keep an article's modified time true when what hangs off it changes."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from .models import Article, Correction


@receiver([post_save, post_delete], sender=Correction)
def touch_corrected_article(sender, instance, **kwargs):
    # Readers, feeds and sitemaps see a correction as a change to the article.
    Article.objects.filter(pk=instance.article_id).update(updated_at=timezone.now())
