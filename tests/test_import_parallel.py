"""Parsing in worker processes: the same articles, results and failures as parsing in-process."""

import contextlib
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from articles.ingest import parallel
from articles.ingest.files import iter_inputs
from articles.ingest.importer import Importer, ImportStopped, import_paths
from articles.ingest.report import CREATED, FAILED, UNCHANGED
from articles.models import Article, ArticleCountry, RelatedLink
from tests import faulty_parsers

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from corpus import Archive

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db


def write_archive(folder, count):
    """A realistic archive (bench/corpus.py) with a few refused files among the good ones."""
    Archive(count, seed=7).write(folder)
    part = folder / "part-0000"
    (part / "000003.txt").write_bytes(b"")  # empty
    (part / "000005.txt").write_text("Kicker\n" + "x" * 20_001 + "\n", encoding="utf-8")
    (part / "000007.txt").write_bytes(b"\x00\x01 binary")
    return folder


def import_with(folder, workers, batch_size=7, **options):
    report = Importer(workers=workers, batch_size=batch_size, **options).run(
        iter_inputs([folder]))
    return report


def table_state():
    return (
        sorted(Article.objects.values_list("original_url", "headline", "slug", "body", "kicker",
                                           "language", "status", "fingerprint", "import_digest",
                                           "headline_key", "lead_key", "country_codes",
                                           "cites_outlets")),
        # What each is about: read by the workers, from the manifest's headline too.
        sorted(ArticleCountry.objects.values_list("article__original_url", "code", "position")),
        sorted(RelatedLink.objects.values_list("article__original_url", "position", "kind",
                                               "title", "teaser", "duration_seconds",
                                               "language", "match_key",
                                               "target__original_url")),
        sorted(Article.tags.through.objects.values_list("content_object__original_url",
                                                        "tag__name")),
    )


def test_workers_import_what_one_process_imports(tmp_path):
    folder = write_archive(tmp_path / "archive", 40)
    serial = import_with(folder, workers=0, publish=True)
    serial_state = table_state()
    Article.objects.all().delete()

    # Batches smaller than the look-ahead and than a worker's chunk: order must hold across both.
    parallel_report = import_with(folder, workers=2, publish=True)

    assert [(r.name, r.status, r.headline, r.reason, r.line)
            for r in parallel_report.results] == [
        (r.name, r.status, r.headline, r.reason, r.line) for r in serial.results]
    assert parallel_report.summary().split(" Related")[0] == serial.summary().split(" Related")[0]
    assert table_state() == serial_state
    assert parallel_report.counts()[CREATED] == 37


def test_failures_from_workers_keep_file_and_line(tmp_path):
    folder = write_archive(tmp_path / "archive", 10)
    report = import_with(folder, workers=1)

    failed = {Path(r.name).name: r for r in report.failures}
    assert sorted(failed) == ["000003.txt", "000005.txt", "000007.txt"]
    assert failed["000005.txt"].line == 2
    assert str(failed["000005.txt"]).endswith("000005.txt:2: the line is 20,001 characters; "
                                              "the limit is 20,000")
    assert "empty" in failed["000003.txt"].reason
    assert "binary" in failed["000007.txt"].reason
    assert all(r.status == FAILED for r in report.failures)


def test_unreadable_file_is_reported_as_in_process(tmp_path):
    folder = tmp_path / "archive"
    unreadable = folder / "part-0000" / "000001.txt"

    def removed_once_listed(inputs):
        for item in inputs:
            if item.name == str(unreadable):
                unreadable.unlink()  # listed as a .txt file, but reading it fails
            yield item

    reports = []
    for workers in (0, 1):
        write_archive(folder, 4)  # the removed file again
        reports.append(Importer(workers=workers, batch_size=7).run(
            removed_once_listed(iter_inputs([folder]))))

    reasons = [{r.name: r.reason for r in report.failures} for report in reports]
    assert reasons[0] == reasons[1]
    assert any(reason.startswith("cannot read:") for reason in reasons[0].values())


def test_reimport_with_workers_changes_nothing(tmp_path):
    folder = write_archive(tmp_path / "archive", 12)
    import_with(folder, workers=0)
    before = table_state()

    report = import_with(folder, workers=1)

    assert report.counts()[UNCHANGED] == 9
    assert table_state() == before


def test_dry_run_with_workers_writes_nothing(tmp_path):
    folder = write_archive(tmp_path / "archive", 12)
    report = import_with(folder, workers=1, dry_run=True)
    assert report.counts()[CREATED] == 9
    assert Article.objects.count() == 0


def test_an_archive_is_parsed_in_worker_processes(tmp_path, monkeypatch):
    folder = write_archive(tmp_path / "archive", 12)
    (folder / "000003.txt").write_text("Sahel\nA story, FAULTY.\n", encoding="utf-8")
    monkeypatch.setattr(parallel, "MIN_FILES", 5)

    report = import_paths([folder], parse=faulty_parsers.telling_the_process)

    [refused] = [r for r in report.failures if "parsed in process" in r.reason]
    assert refused.reason != f"parsed in process {os.getpid()}"
    assert refused.name.endswith("000003.txt")


def test_a_small_import_is_parsed_here(tmp_path):
    folder = write_archive(tmp_path / "archive", 12)
    (folder / "000003.txt").write_text("Sahel\nA story, FAULTY.\n", encoding="utf-8")

    report = import_paths([folder], parse=faulty_parsers.telling_the_process)

    assert f"parsed in process {os.getpid()}" in [r.reason for r in report.failures]


def test_the_workers_stop_when_the_run_stops(tmp_path):
    folder = write_archive(tmp_path / "archive", 40)

    def interrupted(result):  # the caller gives up (Ctrl-C, a closed terminal) after a batch
        raise KeyboardInterrupt

    importer = Importer(workers=1, batch_size=5, on_result=interrupted)
    with pytest.raises(KeyboardInterrupt):
        importer.run(iter_inputs([folder]))
    assert multiprocessing.active_children() == []


def test_a_worker_that_dies_stops_the_import_with_a_clear_error(tmp_path):
    folder = write_archive(tmp_path / "archive", 12)
    (folder / "000007.txt").write_text("Sahel\nA story, FAULTY.\n", encoding="utf-8")

    with pytest.raises(ImportStopped, match=r"stopped unexpectedly .* run the import again"):
        import_paths([folder], workers=1, parse=faulty_parsers.dying)
    assert multiprocessing.active_children() == []


def test_an_unexpected_error_in_a_worker_fails_its_file_alone(tmp_path, caplog):
    folder = tmp_path / "archive"
    for name in ("a.txt", "b.txt", "c.txt"):
        mark = " FAULTY" if name == "b.txt" else ""
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_text(f"Sahel\nThe story of {name} opens here.{mark}\nMore.\n",
                                   encoding="utf-8")

    report = Importer(workers=1, source_name="Wire", parse=faulty_parsers.overflowing).run(
        iter_inputs([folder]))

    assert [(Path(r.name).name, r.status, r.reason) for r in report.results] == [
        ("a.txt", CREATED, ""),
        ("b.txt", FAILED, "internal error: OverflowError: date value out of range, see the log"),
        ("c.txt", CREATED, ""),
    ]
    logged = "\n".join(r.getMessage() for r in caplog.records if r.levelname == "ERROR")
    assert "in a parsing worker" in logged and "raise OverflowError" in logged  # its traceback


def children_of(pid):
    """The processes whose parent is `pid` (Linux's /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended meanwhile
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid):
    """Running: not gone, and not a zombie its new parent has yet to reap."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads Linux's /proc")
def test_the_workers_die_with_a_killed_import(tmp_path, migrated_sqlite):
    Archive(2000, seed=3).write(tmp_path / "archive")
    database = tmp_path / "db.sqlite3"
    shutil.copy(migrated_sqlite, database)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}",
           "DJANGO_SETTINGS_MODULE": "newsroom.settings.test"}
    command = subprocess.Popen([sys.executable, "manage.py", "import_articles",
                                str(tmp_path / "archive"), "--publish"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers = []

    def find_workers():  # and the resource tracker multiprocessing starts beside them
        return [pid for pid in children_of(command.pid)
                if b"multiprocessing" in Path(f"/proc/{pid}/cmdline").read_bytes()]

    try:
        deadline = time.monotonic() + 60
        while not workers and command.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
            workers = find_workers()
        assert workers, "the import started no worker process"
        time.sleep(0.5)  # the workers are parsing now
        workers = find_workers()
        assert command.poll() is None, "the import ended before it could be killed"

        command.kill()  # kill -9
        command.wait(timeout=10)
        deadline = time.monotonic() + 5
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [pid for pid in workers if alive(pid)] == []
    finally:
        command.kill()
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
