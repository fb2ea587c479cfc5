"""Dry runs (articles.ingest.dryrun): they write nothing, report what the real run then
does, across batches too, and let other connections write between their batches."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from articles.ingest.importer import import_paths
from articles.models import Article, RelatedLink, Source
from tests.import_helpers import linked_pair, manifest, run, table_state, write

pytestmark = pytest.mark.django_db


ROOT = Path(__file__).resolve().parent.parent


def test_dry_run_writes_nothing_and_reports_what_would_happen(seeds_dir):
    code, out, _ = run(seeds_dir, dry_run=True)

    assert code == 0
    assert "Dry run" in out and "2 created" in out
    assert Article.objects.count() == 0
    assert Source.objects.count() == 0
    assert RelatedLink.objects.count() == 0


def dry_run_archive(folder):
    """Files meeting each other across batches of two: the same URL again (same text, then
    changed text), the same body without a URL, a source the run creates, an article already
    in the database (updated, then met again), and a broken file."""
    story = "Sahel\n{lead}\nA second paragraph.\nGo to video\n{video}\n"
    leads = {
        "01.txt": ("Ministers met in Niamey on Monday.", "Trade talks open in Dakar"),
        "02.txt": ("The harvest came early in the north.", "Go to video"),
        "03.txt": ("Ministers met in Niamey on Monday.", "Trade talks open in Dakar"),
        "04.txt": ("Trade talks opened in Dakar on Tuesday.", "Ministers meet in Niamey"),
        "05.txt": ("The harvest came early in the north.", "Go to video"),
        "06.txt": ("Ministers met in Niamey on Monday, and again on Friday.", "A clip"),
        "07.txt": ("An old story, told again with a new paragraph.", "A clip"),
        "09.txt": ("An old story, told again with a new paragraph.", "A clip"),
    }
    for name, (lead, video) in leads.items():
        write(folder, name, story.format(lead=lead, video=video))
    write(folder, "08.txt", "Only a kicker\n")
    manifest(folder, [
        {"file": "01.txt", "source": "new", "headline": "Ministers meet",
         "url": "https://example.com/ministers"},
        {"file": "03.txt", "source": "new", "headline": "Ministers meet",
         "url": "https://example.com/ministers"},
        {"file": "04.txt", "source": "new", "headline": "Trade talks open in Dakar"},
        {"file": "06.txt", "source": "new", "headline": "Ministers meet again",
         "url": "https://example.com/ministers"},
        {"file": "07.txt", "source": "wire", "headline": "An old story",
         "url": "https://example.com/old"},
        {"file": "09.txt", "source": "wire", "headline": "An old story",
         "url": "https://example.com/old"},
    ], sources=(("wire", "Test Wire"), ("new", "A New Desk")))


def outcomes(report):
    return [(r.name, r.status, r.headline, r.reason, r.line) for r in report.results]


def test_a_dry_run_across_batches_reports_what_the_real_run_then_does(tmp_path):
    old = tmp_path / "old"
    write(old, "old.txt", "Sahel\nAn old story.\nA second paragraph.\n")
    manifest(old, [{"file": "old.txt", "source": "wire", "headline": "An old story",
                    "url": "https://example.com/old"}])
    import_paths([old])
    dry_run_archive(tmp_path / "new")
    before = table_state()

    dry = import_paths([tmp_path / "new"], source_name="Loose Desk", batch_size=2,
                       dry_run=True)
    assert table_state() == before
    real = import_paths([tmp_path / "new"], source_name="Loose Desk", batch_size=2)

    assert outcomes(dry) == outcomes(real)
    assert [r.status for r in real.results] == [
        "created", "created", "unchanged", "created", "unchanged", "updated", "updated",
        "failed", "unchanged"]
    assert dry.counts() == real.counts()


def test_a_dry_run_holds_a_new_version_of_an_article_an_earlier_batch_published(tmp_path):
    write(tmp_path, "1.txt", "Sahel\nMinisters met in Niamey on Monday.\n")
    write(tmp_path, "2.txt", "Sahel\nMinisters met in Niamey on Monday and Tuesday.\n")
    manifest(tmp_path, [
        {"file": "1.txt", "source": "wire", "headline": "Ministers meet",
         "url": "https://example.com/meet", "status": "published"},
        {"file": "2.txt", "source": "wire", "headline": "Ministers meet again",
         "url": "https://example.com/meet", "status": "draft"},
    ])

    dry = import_paths([tmp_path], dry_run=True, batch_size=1)
    real = import_paths([tmp_path], batch_size=1)

    assert outcomes(dry) == outcomes(real)
    assert [r.status for r in real.results] == ["created", "held"]


def test_a_dry_run_of_one_batch_counts_links_as_the_real_run_does(tmp_path):
    a, b = linked_pair(tmp_path)
    dry = import_paths([a, b], dry_run=True)
    real = import_paths([a, b])
    assert (dry.links_resolved, dry.links_unresolved) == (real.links_resolved,
                                                          real.links_unresolved) == (1, 3)


def test_a_dry_run_of_several_batches_says_links_are_left_to_the_real_run(tmp_path):
    a, b = linked_pair(tmp_path)
    dry = import_paths([a, b], dry_run=True, batch_size=1)
    assert dry.summary().endswith("Related links: resolved by the real run only (a dry run "
                                  "resolves them when the import fits in one batch).")


# A dry run of argv[2] in batches of two; whenever it reports a file, another connection to the
# database file argv[1] writes a row, waiting one second at most for the lock. Prints JSON.
WRITE_DURING_DRY_RUN = """
import json, sqlite3, sys, django
django.setup()
from articles.ingest.importer import import_paths
database, folder = sys.argv[1:]
writes = []

def write_meanwhile(result):
    other = sqlite3.connect(database, timeout=1)
    try:
        with other:
            other.execute(
                "INSERT INTO articles_source (name, slug, homepage_url, kind, country, language,"
                " created_at, updated_at) VALUES (?, ?, '', 'wire', '', '', '2026-01-01',"
                " '2026-01-01')", (result.name, f"desk-{len(writes)}"))
        writes.append("written")
    except sqlite3.OperationalError as error:
        writes.append(str(error))
    finally:
        other.close()

report = import_paths([folder], source_name="Wire", dry_run=True, batch_size=2,
                      on_result=write_meanwhile)
print(json.dumps({"writes": writes, "summary": report.summary()}))
"""


@pytest.mark.slow
def test_a_dry_run_lets_another_connection_write_between_its_batches(tmp_path,
                                                                      migrated_sqlite):
    """On a SQLite file, as deployed: one write lock, taken by BEGIN IMMEDIATE."""
    database = tmp_path / "db.sqlite3"
    shutil.copy(migrated_sqlite, database)
    folder = tmp_path / "archive"
    for number in range(6):
        write(folder, f"{number}.txt", f"Sahel\nStory number {number} opens here.\nMore.\n")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}",
           "DJANGO_SETTINGS_MODULE": "newsroom.settings.test"}
    done = subprocess.run([sys.executable, "-c", WRITE_DURING_DRY_RUN, str(database),
                           str(folder)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)

    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["writes"] == ["written"] * 6
    assert result["summary"].startswith("Dry run, nothing written: 6 files: 6 created")
