"""Every page and the desk at archive scale: 100,000 articles, caches off.

    python bench/scale.py [N] [--folder DIR] [--database-url URL] [--runs 5]

Builds (or reuses, in --folder) an archive of N generated articles (bench/corpus.py) imported
into a database through `manage.py import_articles`: SQLite in --folder, or the PostgreSQL
database --database-url names (emptied first). Prints the import's files/s and peak memory, then,
in a fresh process with every cache off (CACHE_URL=dummy://), the median of --runs warm requests
per page, in-process through Django's test client, beside the issue's goal. Nothing but this
machine is contacted.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from corpus import Archive  # noqa: E402

# (page, goal in ms)
GOALS = [
    ("front page", 50), ("article page", 50), ("list", 50), ("list, one country", 50),
    ("list, a country of none", 50), ("feed", 50),
    ("search, one word", 100), ("search, two words", 100), ("a source's page", 50),
    ("sitemap index", 50), ("desk: article list", 300), ("desk: searching the list", 300),
    ("desk: unresolved links filter", 300), ("desk: country filter", 300),
    ("desk: an article's change form", 300),
]

MEASURE = r"""
import json, statistics, sys, time
import django
django.setup()
from django.contrib.auth import get_user_model
from django.test import Client
from articles.models import Article, Source

runs = int(sys.argv[1])
published = Article.objects.published().order_by("-published_at")
article = published[min(5000, published.count() - 1)]
source = Source.objects.order_by("pk").first()
User = get_user_model()
desk_user = User.objects.filter(username="bench-desk").first() or User.objects.create_superuser(
    "bench-desk", "bench@example.com", "bench-desk-password")
reader, desk = Client(HTTP_HOST="localhost"), Client(HTTP_HOST="localhost")
desk.force_login(desk_user)
pages = {
    "front page": (reader, "/"),
    "article page": (reader, article.get_absolute_url()),
    "list": (reader, "/articles/"),
    # Mali is in about half of the generated articles; no generated article is about France.
    "list, one country": (reader, "/articles/?country=ML"),
    "list, a country of none": (reader, "/articles/?country=FR"),
    "feed": (reader, "/feeds/rss/"),
    "search, one word": (reader, "/articles/?q=uranium"),
    "search, two words": (reader, "/articles/?q=uranium+farmers"),
    "a source's page": (reader, source.get_absolute_url()),
    "sitemap index": (reader, "/sitemap.xml"),
    "desk: article list": (desk, "/admin/articles/article/"),
    "desk: searching the list": (desk, "/admin/articles/article/?q=uranium"),
    "desk: unresolved links filter": (desk, "/admin/articles/article/?unresolved=yes"),
    "desk: country filter": (desk, "/admin/articles/article/?country=ML"),
    "desk: an article's change form": (desk, f"/admin/articles/article/{article.pk}/change/"),
}
figures = {}
for name, (client, url) in pages.items():
    response = client.get(url)  # warm: templates compiled, the database's pages in its cache
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    figures[name] = statistics.median(times)
print(json.dumps(figures))
"""


def environment(database_url):
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DJANGO_", "DATABASE_", "CACHE_", "PAGE_", "FRAGMENT_"))}
    return {**env, "DJANGO_SETTINGS_MODULE": "newsroom.settings.dev", "DEBUG": "false",
            "ALLOWED_HOSTS": "localhost", "LOG_LEVEL": "ERROR", "CACHE_URL": "dummy://",
            "DATABASE_URL": database_url}


def manage(env, *args):
    """(seconds, peak RSS in MB) of one manage.py process."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if status:
        raise SystemExit(f"manage.py {' '.join(args)} failed")
    return time.perf_counter() - started, usage.ru_maxrss / 1024


def empty_postgresql(url):
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, nargs="?", default=100_000)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/newsroom-scale"))
    parser.add_argument("--database-url", help="PostgreSQL; default: SQLite in --folder")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true",
                        help="measure the database already built, without importing again")
    args = parser.parse_args()

    archive = args.folder / f"archive-{args.count}"
    if not archive.exists():
        started = time.perf_counter()
        Archive(args.count, seed=2025).write(archive)
        print(f"wrote {args.count:,} files in {time.perf_counter() - started:.0f} s")
    url = args.database_url or f"sqlite:///{args.folder / f'scale-{args.count}.sqlite3'}"
    env = environment(url)
    kind = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    if not args.reuse:
        if kind == "SQLite":
            for leftover in args.folder.glob(f"scale-{args.count}.sqlite3*"):
                leftover.unlink()
        else:
            empty_postgresql(url)
        manage(env, "migrate", "--noinput")
        seconds, peak = manage(env, "import_articles", str(archive))
        print(f"{kind}: imported {args.count:,} files in {seconds:.1f} s: "
              f"{args.count / seconds:,.0f} files/s, peak {peak:.0f} MB "
              "(goal: >= 750 files/s, < 150 MB)")

    manage(env, "collectstatic", "--noinput", "-v0")  # DEBUG off: the pages name hashed files
    out = subprocess.run([sys.executable, "-c", MEASURE, str(args.runs)], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=False)
    if out.returncode:
        raise SystemExit(out.stderr)
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"\n{kind}, {args.count:,} articles, caches off, median of {args.runs} warm requests "
          "in-process:")
    print("| page | ms | goal |\n| --- | ---: | --- |")
    for name, goal in GOALS:
        ms = figures[name]
        print(f"| {name} | {ms:,.1f} | <= {goal} ms: {'met' if ms <= goal else 'NOT met'} |")


if __name__ == "__main__":
    main()
