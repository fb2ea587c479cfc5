"""Full-text search over articles: the one place that holds SQL the ORM cannot express.

`matching(articles, text)` narrows a QuerySet of articles to those holding every word of `text`,
each word matching as a prefix ("russia" finds "Russian"), best match first: the headline counts
most, then the kicker, then the body. It reads an index, never the articles themselves:
- PostgreSQL: a stored tsvector column that a trigger keeps current, with a GIN index
  (migration 0006); the 'simple' configuration (no stemming) is fair to every language we
  publish in.
- SQLite: an FTS5 table over the same three columns, with the articles as its external content,
  kept in step by triggers (migration 0012); accents are folded ("economie" finds "Économie").
The readers' list, the feeds and the desk's search box all search through here.
"""

import re

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connections, models
from django.db.models import F, Lookup, Q
from django.db.models.expressions import RawSQL

MAX_SEARCH_WORDS = 10  # a bound on the query's size, whatever is pasted into the box

# PostgreSQL: each article's headline (weight A), kicker (B) and body (C) as a tsvector. Not a
# model field: no query loads it, and other databases have no such column.
_DOCUMENT = RawSQL('"articles_article"."search_document"', [], output_field=SearchVectorField())

# SQLite: the FTS5 table and the weights of its columns in bm25() (lower ranks first).
SQLITE_TABLE = "articles_article_search"
_SQLITE_RANK = RawSQL(f"bm25({SQLITE_TABLE}, 10.0, 4.0, 1.0)", [],
                      output_field=models.FloatField())


class IndexedText(models.TextField):
    """The FTS5 table's own column, which takes `match`."""


class SearchEntry(models.Model):
    """An article's row in SQLite's FTS5 index, joined to it by rowid: only search() reads it,
    and only on SQLite (the table exists nowhere else)."""

    article = models.OneToOneField("articles.Article", primary_key=True, db_column="rowid",
                                   on_delete=models.DO_NOTHING, related_name="search_entry")
    # FTS5 names the whole row by the table's name: `<table> MATCH 'query'`.
    document = IndexedText(db_column=SQLITE_TABLE)

    class Meta:
        app_label = "articles"
        managed = False
        db_table = SQLITE_TABLE

    def __str__(self):
        return f"search entry of article {self.article_id}"


@IndexedText.register_lookup
class Match(Lookup):
    """`document__match="query"`: an FTS5 full-text match."""

    lookup_name = "match"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} MATCH {rhs}", [*lhs_params, *rhs_params]


def words_of(text):
    """The words a search looks for, in order, at most MAX_SEARCH_WORDS."""
    return re.findall(r"\w+", text)[:MAX_SEARCH_WORDS]


def matching(articles, text):
    """`articles` holding every word of `text`, best match first; all of them when `text` has
    no words.

    Ranking means scoring every match, and reading every matching article to filter it: for a
    word found in most of the archive that is most of the database on each search. So only a
    search with at most settings.SEARCH_RANKED_MATCHES matches is ranked; a commoner one lists
    the newest first, read down the articles' date index a page at a time. Deciding costs one
    bounded count in the search index, made here."""
    words = words_of(text)
    if not words:
        return articles
    vendor = connections[articles.db].vendor
    bound = settings.SEARCH_RANKED_MATCHES
    if vendor == "postgresql":
        query = SearchQuery(" & ".join(f"{word}:*" for word in words), search_type="raw",
                            config="simple")
        found = articles.alias(document=_DOCUMENT).filter(document=query)
        if found.order_by()[:bound + 1].count() > bound:
            return found.order_by("-published_at", "-pk")
        return found.annotate(rank=SearchRank(_DOCUMENT, query)).order_by(
            "-rank", "-published_at", "-pk")
    if vendor == "sqlite":
        # Every word as a quoted prefix: FTS5's own operators (AND, NEAR, ") stay words.
        query = " ".join(f'"{word}"*' for word in words)
        entries = SearchEntry.objects.using(articles.db).filter(document__match=query)
        joined = articles.filter(search_entry__document__match=query)
        if entries.order_by()[:bound + 1].count() > bound:
            # The matches' ids as a list that the articles, read down their date index a page
            # at a time, are checked against. `pk + 0`, not `pk`: on the id itself SQLite
            # would rather fetch every match by id, then sort them all by date. Counted
            # (up to a bound) joined instead: the index's matches stream in, and the count
            # stops at the bound rather than build the whole list first.
            return (articles.alias(search_id=F("pk") + 0)
                    .filter(search_id__in=entries.values("article"))
                    .order_by("-published_at", "-pk").counted_as(joined))
        return joined.alias(rank=_SQLITE_RANK).order_by("rank", "-published_at", "-pk")
    # Another database: no index of ours, so substrings, newest first.
    for word in words:
        articles = articles.filter(Q(headline__icontains=word) | Q(kicker__icontains=word)
                                   | Q(body__icontains=word))
    return articles.order_by("-published_at", "-pk")


# SQLite's index: created by migration 0012, and again by every `migrate` if a later migration
# rebuilt the articles' table (SQLite drops a table's triggers with it).
_SQLITE_INDEX = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {SQLITE_TABLE} USING fts5(
        headline, kicker, body, content='articles_article', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    f"""CREATE TRIGGER IF NOT EXISTS {SQLITE_TABLE}_insert AFTER INSERT ON articles_article
        BEGIN
            INSERT INTO {SQLITE_TABLE}(rowid, headline, kicker, body)
            VALUES (new.id, new.headline, new.kicker, new.body);
        END""",
    f"""CREATE TRIGGER IF NOT EXISTS {SQLITE_TABLE}_delete AFTER DELETE ON articles_article
        BEGIN
            INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}, rowid, headline, kicker, body)
            VALUES ('delete', old.id, old.headline, old.kicker, old.body);
        END""",
    f"""CREATE TRIGGER IF NOT EXISTS {SQLITE_TABLE}_update
        AFTER UPDATE OF headline, kicker, body ON articles_article
        BEGIN
            INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}, rowid, headline, kicker, body)
            VALUES ('delete', old.id, old.headline, old.kicker, old.body);
            INSERT INTO {SQLITE_TABLE}(rowid, headline, kicker, body)
            VALUES (new.id, new.headline, new.kicker, new.body);
        END""",
]


def install_sqlite_index(connection):
    """Make SQLite's FTS5 index and its triggers where any is missing, and fill the index from
    the articles then. Nothing to do elsewhere, or when all is in place."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        names = {name for (name,) in cursor.execute(
            "SELECT name FROM sqlite_master WHERE name LIKE %s", [f"{SQLITE_TABLE}%"])}
        wanted = {SQLITE_TABLE, *(f"{SQLITE_TABLE}_{event}"
                                  for event in ("insert", "delete", "update"))}
        if wanted <= names:
            return
        for statement in _SQLITE_INDEX:
            cursor.execute(statement)
        cursor.execute(f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}) VALUES ('rebuild')")
