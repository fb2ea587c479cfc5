"""Import throughput, side by side with what a Django user would do instead.

    python bench/import.py [N ...] [--database sqlite|postgres|both] [--formats F,F...]

For each N (default 2000) and database: writes N files with bench/corpus.py, imports them into a
fresh database with `manage.py import_articles`, and in the same run, on the same rows:
  - `manage.py loaddata` of the rows `dumpdata` exports from that import (the Django way);
  - a bare-SQL floor: the same rows inserted with executemany in one transaction by the
    database driver alone (no parsing, no ORM).
Prints files/s, the import's peak memory (RSS), the resolution time of related links, and the
ratios. PostgreSQL runs on a throwaway cluster (scripts/with-postgres.sh).

With --formats (text, rss, atom, ninjs, html), the same N articles are written in each format
(bench/corpus.py --format) and imported into a fresh database each, one after the other in the
same run: files/s and articles/s per format (a feed file holds corpus.FEED_ITEMS articles).
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from corpus import FORMATS, Archive  # noqa: E402

# Tables the import fills, parents first, and the order a bare insert must follow.
TABLES = ["articles_source", "taggit_tag", "articles_article", "articles_taggedarticle",
          "articles_relatedlink"]


def run(env, *args, capture=False):
    """Run manage.py; returns (seconds, peak RSS in MB of that process, stdout)."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE if capture else subprocess.DEVNULL)
    out = process.stdout.read() if capture else b""
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed")
    return time.perf_counter() - started, usage.ru_maxrss / 1024, out.decode()


class Database:
    """A fresh, migrated database per step, SQLite file or PostgreSQL database."""

    def __init__(self, kind, folder, label):
        self.kind = kind
        self.folder = folder
        self.label = label  # one Database per run of the benchmark: names must not repeat
        self.count = 0

    def fresh(self):
        self.count += 1
        if self.kind == "sqlite":
            self.url = f"sqlite:///{self.folder / f'db-{self.label}-{self.count}.sqlite3'}"
        else:
            import psycopg

            base = urlsplit(os.environ["DATABASE_URL"])
            name = f"bench_{self.label}_{self.count}"
            admin = urlunsplit(base._replace(path="/postgres"))
            with psycopg.connect(admin, autocommit=True) as connection:
                connection.execute(f"DROP DATABASE IF EXISTS {name}")
                connection.execute(f"CREATE DATABASE {name}")
            self.url = urlunsplit(base._replace(path=f"/{name}"))
        env = self.env()
        run(env, "migrate", "--noinput")
        return env

    def env(self):
        return {**os.environ, "DATABASE_URL": self.url,
                "DJANGO_SETTINGS_MODULE": "newsroom.settings.dev", "LOG_LEVEL": "ERROR",
                # As in production: with DEBUG on, Django keeps a log of every query.
                "DEBUG": "false", "ALLOWED_HOSTS": "localhost"}

    def connect(self):
        if self.kind == "sqlite":
            import sqlite3

            return sqlite3.connect(urlsplit(self.url).path)
        import psycopg

        return psycopg.connect(self.url)

    def rows(self):
        """Every row the import wrote, per table, as tuples with their column names."""
        with self.connect() as connection:
            cursor = connection.cursor()
            tables = {}
            for table in TABLES:
                cursor.execute(f"SELECT * FROM {table}")
                columns = [c[0] for c in cursor.description]
                tables[table] = (columns, cursor.fetchall())
            return tables

    def bare_insert(self, tables):
        """Seconds to insert the rows with executemany in one transaction."""
        mark = "?" if self.kind == "sqlite" else "%s"
        with self.connect() as connection:
            cursor = connection.cursor()
            started = time.perf_counter()
            for table in TABLES:
                columns, rows = tables[table]
                sql = (f"INSERT INTO {table} ({', '.join(columns)}) "
                       f"VALUES ({', '.join([mark] * len(columns))})")
                cursor.executemany(sql, rows)
            connection.commit()
            return time.perf_counter() - started


def bench(kind, count, folder, only_import=False, format_="text"):
    archive = folder / f"archive-{format_}-{count}"
    if not archive.exists():
        Archive(count, seed=2025).write(archive, format_)
    database = Database(kind, folder, label=count)

    env = database.fresh()
    seconds, peak, out = run(env, "import_articles", str(archive), "--publish", capture=True)
    files = sum(1 for path in archive.rglob("*") if path.is_file()
                and path.name != "manifest.toml")
    summary = out.strip().splitlines()[-1]
    match = re.search(r"resolved now in ([\d.]+) s", summary)
    resolve = {"resolve_s": float(match.group(1))} if match else {}
    with database.connect() as connection:
        links = connection.execute("SELECT COUNT(*) FROM articles_relatedlink").fetchone()[0]
        articles = connection.execute("SELECT COUNT(*) FROM articles_article").fetchone()[0]
    if articles != count:
        raise SystemExit(f"{format_}: {articles} of {count} articles imported: {summary}")
    result = {"database": kind, "files": count, "links": links, "import_s": seconds,
              "files_per_s": count / seconds, "peak_mb": peak, "summary": summary, **resolve,
              "format": format_, "documents": files, "documents_per_s": files / seconds}
    if only_import:
        return result
    tables = database.rows()

    fixture = folder / f"dump-{kind}-{count}.json"
    with fixture.open("w") as handle:
        subprocess.run([sys.executable, "manage.py", "dumpdata", "articles.source",
                        "taggit.tag", "articles.article", "articles.taggedarticle",
                        "articles.relatedlink"], cwd=ROOT, env=env, stdout=handle, check=True)
    env = database.fresh()
    loaddata, _, _ = run(env, "loaddata", str(fixture))

    database.fresh()
    floor = database.bare_insert(tables)

    return {**result, "loaddata_s": loaddata, "floor_s": floor}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("counts", nargs="*", type=int, default=[2000])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--only-import", action="store_true",
                        help="skip loaddata and the floor (for memory and scaling runs)")
    parser.add_argument("--formats", type=lambda text: text.split(","), metavar="F,F...",
                        help=f"compare the import of each format ({', '.join(FORMATS)})")
    args = parser.parse_args()
    for format_ in args.formats or ():
        if format_ not in FORMATS:
            parser.error(f"--formats: {format_!r} is not one of {', '.join(FORMATS)}")

    kinds = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    if "postgres" in kinds and "DATABASE_URL" not in os.environ:
        # Re-run this script inside a throwaway cluster.
        command = [str(ROOT / "scripts" / "with-postgres.sh"), sys.executable, __file__,
                   *map(str, args.counts), "--database", args.database,
                   *(["--only-import"] if args.only_import else []),
                   *(["--formats", ",".join(args.formats)] if args.formats else [])]
        raise SystemExit(subprocess.call(command))

    with tempfile.TemporaryDirectory(prefix="newsroom-import-bench-") as tmp:
        folder = Path(tmp)
        os.chmod(folder, 0o755)
        if args.formats:
            _compare_formats(kinds, args.counts, args.formats, folder)
        else:
            _compare_ways(kinds, args.counts, args.only_import, folder)


def _compare_ways(kinds, counts, only_import, folder):
    print(f"{'db':<9}{'files':>8}{'links':>8}{'import s':>10}{'files/s':>9}{'peak MB':>9}"
          f"{'loaddata s':>11}{'floor s':>9}{'vs loaddata':>12}{'vs floor':>9}{'resolve s':>10}")
    for kind in kinds:
        for count in counts:
            r = bench(kind, count, folder, only_import)
            if only_import:
                r.update(loaddata_s=float("nan"), floor_s=float("nan"))
            print(f"{r['database']:<9}{r['files']:>8}{r['links']:>8}{r['import_s']:>10.2f}"
                  f"{r['files_per_s']:>9.0f}{r['peak_mb']:>9.0f}{r['loaddata_s']:>11.2f}"
                  f"{r['floor_s']:>9.2f}{r['loaddata_s'] / r['import_s']:>11.1f}x"
                  f"{r['import_s'] / r['floor_s']:>8.1f}x"
                  f"{r.get('resolve_s', float('nan')):>10.2f}", flush=True)
    print("vs loaddata: how many times faster the import is than loaddata of the same rows;\n"
          "vs floor: how many times slower than inserting those rows with executemany.")


def _compare_formats(kinds, counts, formats, folder):
    print(f"{'db':<9}{'format':<8}{'articles':>9}{'files':>7}{'import s':>10}{'files/s':>9}"
          f"{'articles/s':>11}{'peak MB':>9}{'vs text':>8}")
    for kind in kinds:
        for count in counts:
            text_seconds = None
            for format_ in formats:
                r = bench(kind, count, folder, only_import=True, format_=format_)
                if format_ == "text":
                    text_seconds = r["import_s"]
                ratio = (f"{text_seconds / r['import_s']:>7.2f}x" if text_seconds
                         else f"{'':>8}")
                print(f"{kind:<9}{format_:<8}{count:>9}{r['documents']:>7}"
                      f"{r['import_s']:>10.2f}{r['documents_per_s']:>9.0f}"
                      f"{r['files_per_s']:>11.0f}{r['peak_mb']:>9.0f}{ratio}", flush=True)
    print("articles/s: articles imported a second (a feed file holds several); vs text: the\n"
          "format's articles/s against the scraped text files' (when text runs first).")


if __name__ == "__main__":
    main()
