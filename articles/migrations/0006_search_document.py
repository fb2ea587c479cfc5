"""PostgreSQL: a stored, indexed full-text document for every article.

Search computed each article's tsvector from its body on every query: 2.4 s to count one word's
matches among 10,000 articles. The document is now a tsvector column that a trigger keeps up to
date on every insert and on every update that changes the headline, kicker or body (the
import's bulk inserts included), with a GIN index. It is not a model field, so no query loads
it; search() names it (articles.models.SEARCH_DOCUMENT). Other databases have no such column
and search by substring, so this migration does nothing there.
"""

from django.db import migrations

# Weights as search() ranks them: headline A, kicker B, body C. translate() keeps "<script>" a
# word: PostgreSQL's parser would skip anything shaped like an HTML tag.
DOCUMENT = """
    setweight(to_tsvector('simple', translate(coalesce({row}headline, ''), '<>', '  ')), 'A')
    || setweight(to_tsvector('simple', translate(coalesce({row}kicker, ''), '<>', '  ')), 'B')
    || setweight(to_tsvector('simple', translate(coalesce({row}body, ''), '<>', '  ')), 'C')
"""

FORWARD = [
    "ALTER TABLE articles_article ADD COLUMN search_document tsvector",
    # On every update, not "UPDATE OF headline, kicker, body": PostgreSQL would then refuse any
    # later migration that changes those columns' types. Unchanged text is not parsed again.
    f"""CREATE FUNCTION articles_article_search_document() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' THEN
                IF NEW.headline IS NOT DISTINCT FROM OLD.headline
                        AND NEW.kicker IS NOT DISTINCT FROM OLD.kicker
                        AND NEW.body IS NOT DISTINCT FROM OLD.body THEN
                    RETURN NEW;
                END IF;
            END IF;
            NEW.search_document := {DOCUMENT.format(row="NEW.")};
            RETURN NEW;
        END
    $$""",
    """CREATE TRIGGER articles_article_search_document
        BEFORE INSERT OR UPDATE ON articles_article
        FOR EACH ROW EXECUTE FUNCTION articles_article_search_document()""",
    f"UPDATE articles_article SET search_document = {DOCUMENT.format(row='')}",
    "CREATE INDEX article_search_document_idx ON articles_article USING gin (search_document)",
]

BACKWARD = [
    "DROP TRIGGER articles_article_search_document ON articles_article",
    "DROP FUNCTION articles_article_search_document()",
    "ALTER TABLE articles_article DROP COLUMN search_document",
]


def on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("articles", "0005_relatedlink_order_not_unique")]

    operations = [migrations.RunPython(on_postgresql(FORWARD), on_postgresql(BACKWARD))]
