"""Database settings for the length of an import, and after it."""

from contextlib import contextmanager

from django.db import connection

from ..models import Article, ArticleCountry, RelatedLink, TaggedArticle

SQLITE_CACHE_KIB = 16 * 1024
SQLITE_ANALYSIS_ROWS = 1000  # rows of each index ANALYZE samples on SQLite


@contextmanager
def sqlite_cache_size():
    """On SQLite, a page cache of SQLITE_CACHE_KIB for the import. Each batch writes into the
    same indexes (slugs, match keys, fingerprints, in no order); with SQLite's 2 MB default,
    their pages were read again for every batch and the writes took twice as long as one
    transaction would (see bench/import.py). Bounded, so memory stays flat."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        previous = cursor.execute("PRAGMA cache_size").fetchone()[0]
        page_size = cursor.execute("PRAGMA page_size").fetchone()[0]
    # Negative: a size in KiB; positive: in pages.
    if (-previous if previous < 0 else previous * page_size // 1024) >= SQLITE_CACHE_KIB:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def analyze():
    """After an archive import, fresh planner statistics at once.

    PostgreSQL: until autovacuum gets to it, the planner takes the tables for as small as
    before the import and picks plans that read all of them (searching a rare word among
    10,000 new articles: 34 ms instead of 1.3 ms). Outside a transaction the tables are
    vacuumed as well: only a vacuum marks the new rows' pages all-visible, which index-only
    scans need (at 100,000 articles, a country's list took 58 ms freshly imported and analysed,
    28 ms vacuumed; see README). VACUUM cannot run inside a transaction block, so an import
    made inside one (a test's, a caller's atomic block) is analysed only.
    SQLite keeps no statistics until asked: without them it takes every index for selective,
    and a search of a common word walked the articles by status, asking the full-text index
    about each one, instead of reading the index's matches. Sampled (analysis_limit), so it
    costs a fraction of a second however large the archive. The countries' table is left
    out there: SQLite's statistics hold one average of rows per country (1,000 at 100,000
    articles), so it would read the whole archive by date for a country that no article is
    about (72 ms instead of 20: the rare countries are why about_country() has two plans)."""
    tables = [model._meta.db_table for model in (Article, RelatedLink, TaggedArticle)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # PostgreSQL keeps each common country's own count: its statistics mislead nothing.
            tables.append(ArticleCountry._meta.db_table)
            command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            cursor.execute(f"{command} {', '.join(tables)}")
        elif connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_ROWS}")
            for table in tables:
                cursor.execute(f'ANALYZE "{table}"')
