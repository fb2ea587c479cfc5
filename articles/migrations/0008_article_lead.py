"""The lead (a body's first paragraph) stored with the article: cards, feeds and search results
show it, and deriving it from the body on every read cost each card a split of its body."""

from django.db import migrations, models

BATCH = 2000


def fill_leads(apps, schema_editor):
    from articles.text import lead_of

    Article = apps.get_model("articles", "Article")
    rows = Article.objects.order_by("pk").values_list("pk", "body")
    last = 0
    while batch := list(rows.filter(pk__gt=last)[:BATCH]):
        Article.objects.bulk_update(
            [Article(pk=pk, lead=lead_of(body)) for pk, body in batch], ["lead"])
        last = batch[-1][0]


class Migration(migrations.Migration):
    dependencies = [("articles", "0007_unicode_slugs")]

    operations = [
        migrations.AddField(
            model_name="article",
            name="lead",
            field=models.TextField(
                blank=True, editable=False,
                help_text="The body's first paragraph, kept with it for cards, feeds and search "
                          "results.",
            ),
        ),
        migrations.RunPython(fill_leads, migrations.RunPython.noop),
    ]
