"""How well and how fast articles are grouped into stories.

    python bench/stories.py [--fixture DIR] [--scale N] [--folder DIR]

1. The labelled fixture (tests/fixtures/stories: articles in English and French, labels.toml
   naming the event of each) is imported into a new SQLite database and grouped; prints the
   pairwise precision and recall against the labels, within each language and across them.
2. With --scale N (default 100,000; 0 skips it): the archive of N generated articles that
   bench/scale.py builds in --folder (built here if missing) is copied and grouped whole
   (`manage.py cluster_stories`), then its newest 1,000 articles again as an import leaves them
   (waiting, then grouped against the archive). Prints the time per article of each.

The generated archive's text repeats a small vocabulary, so the stories it forms there mean
nothing: it measures the time only. Nothing but this machine is contacted.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from corpus import Archive  # noqa: E402

sys.path.insert(0, str(ROOT))
from articles.coverage.measure import KINDS, pairwise  # noqa: E402

GROUPS = """
import json
import django
django.setup()
from articles.models import Article
print(json.dumps([[a.source_file, a.story_id, a.language] for a in Article.objects.all()]))
"""

ONLINE = """
import json, sys, time
import django
django.setup()
from articles import stories
from articles.models import Article, StoryEvidence
count = int(sys.argv[1])
newest = list(Article.objects.order_by("-published_at", "-pk").values_list("pk", flat=True)
              [:count])
Article.objects.filter(pk__in=newest, story_pinned=False).update(story=None)
StoryEvidence.objects.filter(article__in=newest).delete()
started = time.perf_counter()
outcome = stories.group_all_waiting()
print(json.dumps({"seconds": time.perf_counter() - started, "grouped": outcome.grouped}))
"""


def environment(database_url):
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DJANGO_", "DATABASE_", "CACHE_"))}
    return {**env, "DJANGO_SETTINGS_MODULE": "newsroom.settings.dev", "DEBUG": "false",
            "LOG_LEVEL": "ERROR", "CACHE_URL": "dummy://", "DATABASE_URL": database_url}


def manage(env, *args):
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def python(env, code, *args):
    out = subprocess.run([sys.executable, "-c", code, *map(str, args)], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=False)
    if out.returncode:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def fixture_figures(fixture):
    labels = {name: event["key"]
              for event in tomllib.loads((fixture / "labels.toml").read_text())["event"]
              for name in event["files"]}
    with tempfile.TemporaryDirectory() as folder:
        env = environment(f"sqlite:///{folder}/stories.sqlite3")
        manage(env, "migrate", "--noinput")
        manage(env, "import_articles", str(fixture))
        manage(env, "cluster_stories")
        rows = python(env, GROUPS)
    groups = {Path(name).name: (story, language) for name, story, language in rows}
    missing = set(labels) - set(groups)
    if missing:
        raise SystemExit(f"not imported: {', '.join(sorted(missing))}")
    figures = pairwise(groups, labels)
    events = len(set(labels.values()))
    print(f"Fixture {fixture.relative_to(ROOT)}: {len(groups)} articles, {events} events "
          f"(singletons included); pairwise, after cluster_stories:")
    print("| pairs | precision | recall | grouped pairs | true pairs |\n"
          "| --- | ---: | ---: | ---: | ---: |")
    for kind in KINDS:
        if kind in figures:
            precision, recall, found, true = figures[kind]
            print(f"| {kind} | {precision:.2f} | {recall:.2f} | {found} | {true} |")
    return figures


def scale_figures(count, folder):
    archive = folder / f"archive-{count}"
    built = folder / f"scale-{count}.sqlite3"
    if not built.exists():
        if not archive.exists():
            Archive(count, seed=2025).write(archive)
        env = environment(f"sqlite:///{built}")
        manage(env, "migrate", "--noinput")
        manage(env, "import_articles", str(archive))
    copy = folder / f"stories-{count}.sqlite3"
    shutil.copyfile(built, copy)
    env = environment(f"sqlite:///{copy}")
    manage(env, "migrate", "--noinput")
    whole = manage(env, "cluster_stories")
    online = python(env, ONLINE, 1000)
    print(f"\nSQLite, {count:,} generated articles:")
    print("| grouping | seconds | ms per article |\n| --- | ---: | ---: |")
    print(f"| the whole archive (cluster_stories, its process included) | {whole:.1f} | "
          f"{whole * 1000 / count:.2f} |")
    print(f"| its newest {online['grouped']:,}, against the archive | {online['seconds']:.1f} | "
          f"{online['seconds'] * 1000 / online['grouped']:.2f} |")
    copy.unlink()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fixture", type=Path, default=ROOT / "tests/fixtures/stories")
    parser.add_argument("--scale", type=int, default=100_000, metavar="N",
                        help="articles of the generated archive timed (0: none)")
    parser.add_argument("--folder", type=Path, default=Path("/tmp/newsroom-scale"))
    args = parser.parse_args()
    fixture_figures(args.fixture.resolve())
    if args.scale:
        args.folder.mkdir(parents=True, exist_ok=True)
        scale_figures(args.scale, args.folder)


if __name__ == "__main__":
    main()
