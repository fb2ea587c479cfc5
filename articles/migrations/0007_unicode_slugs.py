"""Slugs in any script (see articles.slugs), and a routable slug for every existing row.

Articles and sources accept Unicode slugs from now on (a schema no-op: the columns stay
varchar). Existing rows keep their slugs, so no address that worked changes; only a slug that
no URL routes is replaced: taggit gave a tag named only with punctuation or emoji an empty
slug, and a row written by other code may hold anything.
"""

from django.db import migrations, models

from articles.slugs import is_routable, unique_slugs


def routable_slugs(apps, schema_editor):
    for model_name, text_field in (("taggit.Tag", "name"), ("articles.Source", "name"),
                                   ("articles.Article", "headline")):
        model = apps.get_model(model_name)
        # Checked here, not by the database: PostgreSQL's \w follows its locale (ASCII in C).
        unroutable = [pk for pk, slug in model.objects.values_list("pk", "slug").iterator()
                      if not is_routable(slug)]
        for row in model.objects.filter(pk__in=unroutable).order_by("pk"):
            # One at a time: each new slug must see the ones given before it.
            row.slug = unique_slugs([getattr(row, text_field)], model=model)[0]
            row.save(update_fields=["slug"])


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0006_search_document"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.AlterField(
            model_name="article",
            name="slug",
            field=models.SlugField(allow_unicode=True, max_length=120, unique=True),
        ),
        migrations.AlterField(
            model_name="source",
            name="slug",
            field=models.SlugField(allow_unicode=True, max_length=200, unique=True),
        ),
        migrations.RunPython(routable_slugs, migrations.RunPython.noop, elidable=True),
    ]
