"""Plain INSERTs for the import's hot path: rows from field values, many rows a statement.

bulk_create compiles every object through the ORM, which cost the archive import more than the
database did (see bench/import.py). These rows need no defaults computed per row, no signals and
no returned keys; each field still prepares its own value as bulk_create would have it.
"""

import sqlite3
from contextlib import suppress
from operator import itemgetter

from django.db import connection
from django.db.models import BooleanField, CharField, DateTimeField, Field, Model, TextField

# get_prep_value implementations that return a value of this type unchanged.
_UNCHANGED = {CharField.get_prep_value: str, TextField.get_prep_value: str,
              BooleanField.get_prep_value: bool}
_NOT_STAMPED = object()
ROWS_A_STATEMENT = 512  # bounds each statement's size, and what the database holds of it


class RowPreparer:
    """Field values by name to a row by column, without building model instances. Text and
    flags go to the database as they are, other values are prepared once per batch (a batch
    shares its times and sources), auto_now fields take `now`, and a missing field takes its
    default."""

    def __init__(self, model, now):
        self.steps = []
        self.prepared = {}
        for f in model._meta.concrete_fields:
            if f.primary_key:
                continue
            kind = type(f)
            plain = None
            if (kind.get_db_prep_save is Field.get_db_prep_save
                    and kind.get_db_prep_value is Field.get_db_prep_value):
                plain = _UNCHANGED.get(kind.get_prep_value)
            stamped = isinstance(f, DateTimeField) and (f.auto_now or f.auto_now_add)
            self.steps.append((f, f.column, plain, f.get_db_prep_save(now, connection)
                               if stamped else _NOT_STAMPED))

    def __call__(self, values):
        row = {}
        for f, column, plain, stamp in self.steps:
            if stamp is not _NOT_STAMPED:
                row[column] = stamp
                continue
            value = values[f.name] if f.name in values else f.get_default()
            if type(value) is plain:
                row[column] = value
                continue
            if f.is_relation and isinstance(value, Model):
                value = value.pk
            try:
                row[column] = self.prepared[f.name, value]
            except (KeyError, TypeError):  # not yet seen, or not hashable
                prepared = f.get_db_prep_save(value, connection)
                with suppress(TypeError):
                    self.prepared[f.name, value] = prepared
                row[column] = prepared
        return row


def insert_rows(model, rows):
    """INSERT rows (values by column) into `model`'s table, many rows a statement.

    Not an executemany of one row a statement: on SQLite each statement that writes articles
    also writes their full-text index through its trigger, and FTS5 writes out what it holds
    at the end of every statement, so each article made a segment of the index of its own.
    A few statements a batch halved the articles' INSERT (20,000 of the archive's articles
    into a bare SQLite file: 393 to 203 us a row)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = list(rows[0])
    head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) VALUES "  # noqa: S608 - names from our models
    row_sql = f"({', '.join(['%s'] * len(columns))})"
    values = itemgetter(*columns) if len(columns) > 1 else lambda row: (row[columns[0]],)
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, _most_rows(model, columns, rows)):
            cursor.execute(head + ", ".join([row_sql] * len(chunk)),
                           [value for row in chunk for value in values(row)])


def _most_rows(model, columns, rows):
    """The most rows a statement: a power of two, at most ROWS_A_STATEMENT, that the database
    takes as variables."""
    if connection.vendor == "sqlite":
        # Django's bound assumes SQLite's old default of 999 variables a statement (28 of
        # these articles); the library says its own (250,000 in Python's builds).
        connection.ensure_connection()
        bound = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // len(columns)
    else:
        by_column = {f.column: f for f in model._meta.concrete_fields}
        bound = connection.ops.bulk_batch_size([by_column[c] for c in columns], rows)
    most = 1
    while most * 2 <= min(bound, ROWS_A_STATEMENT):
        most *= 2
    return most


def _chunks(rows, most):
    """`rows` in slices of `most`, then of halves of it: every statement of a table has one of
    a few sizes. The sqlite3 module compiles a statement once for each distinct SQL text and
    keeps the last 128: one of every size of batch took 120 MB more at 100,000 files."""
    start, size = 0, most
    while start < len(rows):
        while size > len(rows) - start:
            size //= 2
        yield rows[start:start + size]
        start += size


def insert(model, objects, now, key="slug"):
    """INSERT objects (field values by name); returns their primary keys in order, read back by
    `key`, a unique field every object sets."""
    prepare = RowPreparer(model, now)
    insert_rows(model, [prepare(values) for values in objects])
    keys = dict(model.objects.filter(**{f"{key}__in": [values[key] for values in objects]})
                .values_list(key, "pk"))
    return [keys[values[key]] for values in objects]
