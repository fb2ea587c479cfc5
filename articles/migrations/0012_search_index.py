"""SQLite: a full-text index of every article (FTS5), so search no longer reads every body.

An external-content FTS5 table over headline, kicker and body, kept in step by triggers on
insert, delete and update, filled from the articles here (see articles.search). PostgreSQL has
its own since migration 0006; the unmanaged model only names the SQLite table for the ORM.
"""

import django.db.models.deletion
from django.db import migrations, models

import articles.search


def install(apps, schema_editor):
    articles.search.install_sqlite_index(schema_editor.connection)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for event in ("insert", "delete", "update"):
            schema_editor.execute(
                f"DROP TRIGGER IF EXISTS {articles.search.SQLITE_TABLE}_{event}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {articles.search.SQLITE_TABLE}")


class Migration(migrations.Migration):
    dependencies = [("articles", "0011_import_jobs")]

    operations = [
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                ("article", models.OneToOneField(
                    db_column="rowid", on_delete=django.db.models.deletion.DO_NOTHING,
                    primary_key=True, related_name="search_entry", serialize=False,
                    to="articles.article")),
                ("document", articles.search.IndexedText(db_column="articles_article_search")),
            ],
            options={"db_table": "articles_article_search", "managed": False},
        ),
        migrations.RunPython(install, remove),
    ]
