"""When an article was last corrected: the article page asks for its corrections only then."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Correction = apps.get_model("articles", "Correction")
    latest = Correction.objects.filter(article=OuterRef("pk")).order_by("-noted_at")
    Article.objects.filter(corrections__isnull=False).distinct().update(
        corrected_at=Subquery(latest.values("noted_at")[:1]))


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0008_article_lead'),
    ]

    operations = [
        migrations.AddField(
            model_name='article',
            name='corrected_at',
            field=models.DateTimeField(blank=True, editable=False, help_text='When the latest correction or update was noted; empty if there is none.', null=True, verbose_name='last corrected'),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
