"""Two imports of the same files at the same time end with no duplicate and no error."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

from articles.ingest.identity import find_existing
from articles.ingest.importer import import_paths
from articles.ingest.report import UNCHANGED
from articles.models import Article, RelatedLink, Source

ROOT = Path(__file__).resolve().parent.parent


def write_archive(folder, count):
    lines = ['[[source]]', 'key = "wire"', 'name = "Race Wire"', ""]
    for number in range(count):
        (folder / f"{number:03d}.txt").write_text(textwrap.dedent(f"""\
            Kicker {number % 3}
            Story number {number} opens with a lead sentence about the harvest in region {number}.
            A second paragraph for story {number}.
            Go to video
            Story number {(number + 1) % count} headline
            """), encoding="utf-8")
        lines += ["[[article]]", f'file = "{number:03d}.txt"', 'source = "wire"',
                  f'headline = "Story number {number} headline"',
                  f'url = "https://example.com/{number}"', ""]
    (folder / "manifest.toml").write_text("\n".join(lines), encoding="utf-8")


@pytest.mark.django_db
def test_an_article_written_between_look_up_and_insert_is_reported_already_imported(
    tmp_path
):
    write_archive(tmp_path, 2)
    import_paths([tmp_path])
    # The race: our look-up misses the rows another run has just committed.
    calls = []

    def miss_once(prepared):
        calls.append(prepared)
        return {} if len(calls) == 1 else find_existing(prepared)

    report = import_paths([tmp_path], find_existing=miss_once)

    assert report.ok
    assert [r.status for r in report.results] == [UNCHANGED, UNCHANGED]
    assert report.results[0].reason == "already imported by another run just now"
    assert Article.objects.count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite serialises writers; the race needs a server")
@pytest.mark.django_db(transaction=True)
def test_two_processes_importing_one_folder(tmp_path):
    write_archive(tmp_path, 300)
    # The same server as this test run, but the test database pytest-django made.
    url = urlsplit(os.environ["DATABASE_URL"])
    url = urlunsplit(url._replace(path=f"/{connection.settings_dict['NAME']}"))
    # The test database has no cache table (the suite caches in memory): each process caches
    # in its own memory, which is all an import needs.
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "newsroom.settings.dev",
           "CACHE_URL": "locmem://"}
    command = [sys.executable, "manage.py", "import_articles", str(tmp_path), "--publish"]

    runs = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=120) for run in runs]

    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err
        assert "0 failed" in out
    assert Article.objects.count() == 300
    assert Source.objects.filter(name="Race Wire").count() == 1
    assert RelatedLink.objects.count() == 300
    assert len(set(Article.objects.values_list("slug", flat=True))) == 300
    # Between them the two runs created each article once.
    created = sum(int(out.split(" created")[0].rsplit(" ", 1)[-1]) for out, _ in outputs)
    assert created == 300
