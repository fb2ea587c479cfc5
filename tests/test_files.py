"""What an import reads: regular files only, never through a link, bounded while they are read.
What it will not read is refused by name in the report, and the other files import.

A regression here would hang the run (a FIFO waits for a writer) or take the machine's memory
(`/dev/zero` never ends), so these tests run under `guarded()`, which turns both into a failure.
"""

import contextlib
import io
import os
import resource
import shutil
import threading
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from articles.ingest.files import InputFile, count_files, iter_inputs
from articles.ingest.importer import Importer, import_paths
from articles.ingest.report import CREATED, FAILED
from articles.models import Article

pytestmark = pytest.mark.django_db

ARTICLE = "Sahel\nThe ministers met in Niamey on Monday to agree a joint force of {n} troops.\n"
OUTSIDE = "Root account\nThis paragraph lives outside the import folder and must stay there.\n"
SYMLINK = "a symbolic link: not followed"
FIFO = "not a regular file (a FIFO)"
LIMIT = "the file holds more than 2,097,152 bytes, the limit"
WAIT_SECONDS = 5


def article(folder, name, n=1):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ARTICLE.format(n=n), encoding="utf-8")
    return path


def run(*paths):
    """The command on `paths` with a source; returns (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_articles", *map(str, paths), "--source", "Wire", stdout=out,
                     stderr=err)
        code = 0
    except CommandError as error:
        code = error.returncode
        err.write(str(error))
    return code, out.getvalue(), err.getvalue()


@contextlib.contextmanager
def guarded(folder):
    """Fail, instead of hanging or exhausting memory, when the import reads what it must not.

    Memory is capped (spawned workers inherit the cap), so reading an endless file raises
    MemoryError. After WAIT_SECONDS, any FIFO below `folder` is opened for writing now and then,
    which lets a reader stuck on it go on (it reads an empty file); the test then fails."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    used = int(Path("/proc/self/statm").read_text().split()[0]) * resource.getpagesize()
    cap = used + (1 << 30)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    done = threading.Event()
    released = []

    def release_readers():
        while not done.wait(WAIT_SECONDS):
            for fifo in (p for p in Path(folder).rglob("*") if p.is_fifo()):
                try:
                    os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
                except OSError:
                    continue  # no reader waiting on it
                released.append(fifo)

    watchdog = threading.Thread(target=release_readers, daemon=True)
    watchdog.start()
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        done.set()
        watchdog.join()
    assert not released, f"the import waited on {released} for a writer"


def reasons(report):
    return {Path(r.name).name: r.reason for r in report.failures}


# -- what the walk finds ------------------------------------------------------------------------


def test_a_link_to_a_file_outside_the_folder_is_not_followed(tmp_path):
    folder = tmp_path / "import"
    article(folder, "a.txt")
    (tmp_path / "secret.txt").write_text(OUTSIDE, encoding="utf-8")
    (folder / "secret.txt").symlink_to(tmp_path / "secret.txt")
    (folder / "passwd.txt").symlink_to("/etc/passwd")

    with guarded(folder):
        code, out, err = run(folder)

    assert code == 1
    assert f"failed {folder / 'passwd.txt'}: {SYMLINK}" in err
    assert f"failed {folder / 'secret.txt'}: {SYMLINK}" in err
    assert "3 files: 1 created" in out
    assert list(Article.objects.values_list("source_file", flat=True)) == [str(folder / "a.txt")]


def test_a_link_to_dev_zero_is_refused_unread(tmp_path):
    folder = tmp_path / "import"
    article(folder, "a.txt")
    (folder / "zero.txt").symlink_to("/dev/zero")

    with guarded(folder):
        code, out, err = run(folder)

    assert code == 1
    assert f"failed {folder / 'zero.txt'}: {SYMLINK}" in err
    assert "2 files: 1 created" in out


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    folder = tmp_path / "import"
    article(folder, "a.txt")
    os.mkfifo(folder / "pipe.txt")

    with guarded(folder):
        code, out, err = run(folder)

    assert code == 1
    assert f"failed {folder / 'pipe.txt'}: {FIFO}" in err
    assert "2 files: 1 created" in out


def test_a_linked_folder_is_reported_and_not_walked(tmp_path):
    folder = tmp_path / "import"
    article(folder, "own/a.txt")
    article(tmp_path / "elsewhere", "b.txt", n=2)
    (folder / "linked").symlink_to(tmp_path / "elsewhere")

    with guarded(folder):
        code, out, err = run(folder)

    assert code == 1
    assert f"failed {folder / 'linked'}: {SYMLINK}" in err
    assert "2 files: 1 created" in out
    assert Article.objects.get().source_file == str(folder / "own" / "a.txt")


def test_a_path_argument_that_is_a_link_is_refused(tmp_path):
    article(tmp_path / "real", "a.txt")
    (tmp_path / "folder-link").symlink_to(tmp_path / "real")
    (tmp_path / "file-link.txt").symlink_to(tmp_path / "real" / "a.txt")
    paths = [tmp_path / "folder-link", tmp_path / "file-link.txt"]

    report = import_paths(paths, source_name="Wire")

    assert [(r.name, r.status, r.reason) for r in report.results] == [
        (str(paths[0]), FAILED, SYMLINK), (str(paths[1]), FAILED, SYMLINK)]
    assert Article.objects.count() == 0


def test_a_device_argument_is_refused(tmp_path):
    code, out, err = run("/dev/null")

    assert code == 1
    assert "failed /dev/null: not a regular file (a character device)" in err
    assert "1 files: 0 created" in out


# -- what reading finds -------------------------------------------------------------------------


@pytest.mark.parametrize("workers", [0, 1], ids=["in-process", "workers"])
def test_a_file_longer_than_it_says_is_read_no_further_than_the_limit(tmp_path, workers):
    # A regular file that says it is empty and never ends: the size is only known by reading.
    endless = Path("/proc/self/pagemap")
    if not endless.exists():
        pytest.skip("no /proc/self/pagemap: not Linux")

    with guarded(tmp_path):
        report = Importer(source_name="Wire", workers=workers).run(
            iter_inputs([endless, article(tmp_path, "a.txt")]))

    assert reasons(report) == {"pagemap": LIMIT}
    assert report.counts()[CREATED] == 1


def swapped_after_the_walk(inputs, swap):
    """The files iter_inputs found, each replaced by `swap(path)` once found: what the walk
    checked is no longer what is read."""
    for item in inputs:
        if isinstance(item, InputFile) and item.path.name.startswith("swapped"):
            item.path.unlink()
            swap(item.path)
        yield item


SWAPS = {
    "link outside": (lambda path: path.symlink_to(path.parent.parent / "secret.txt"), SYMLINK),
    "link to /dev/zero": (lambda path: path.symlink_to("/dev/zero"), SYMLINK),
    "FIFO": (os.mkfifo, FIFO),
    "grown": (lambda path: path.write_bytes(b"x" * (2 * 1024 * 1024 + 1)),
              "the file is 2,097,153 bytes; the limit is 2,097,152"),
}


@pytest.mark.parametrize("workers", [0, 1], ids=["in-process", "workers"])
@pytest.mark.parametrize("swap", list(SWAPS))
def test_what_is_read_is_checked_when_it_is_read(tmp_path, swap, workers):
    folder = tmp_path / "import"
    (tmp_path / "secret.txt").write_text(OUTSIDE, encoding="utf-8")
    article(folder, "a.txt")
    article(folder, "swapped.txt", n=2)
    replace, reason = SWAPS[swap]

    with guarded(folder):
        report = Importer(source_name="Wire", workers=workers).run(
            swapped_after_the_walk(iter_inputs([folder]), replace))

    assert reasons(report) == {"swapped.txt": reason}
    assert report.counts()[CREATED] == 1
    assert not Article.objects.filter(body__contains="outside the import folder").exists()


@pytest.mark.parametrize("workers", [0, 1], ids=["in-process", "workers"])
def test_a_file_removed_after_the_walk_fails_with_its_own_reason(tmp_path, workers):
    folder = tmp_path / "import"
    article(folder, "a.txt")
    article(folder, "swapped.txt", n=2)

    report = Importer(source_name="Wire", workers=workers).run(
        swapped_after_the_walk(iter_inputs([folder]), lambda path: None))

    assert reasons(report) == {"swapped.txt": "cannot read: No such file or directory"}
    assert report.counts()[CREATED] == 1


def test_a_folder_removed_during_the_import_is_reported(tmp_path):
    folder = tmp_path / "import"
    article(folder, "a.txt")
    article(folder, "later/b.txt", n=2)
    article(folder, "later/c.txt", n=3)

    def remove_the_rest(result):
        shutil.rmtree(folder / "later", ignore_errors=True)

    # One file a batch: the first is imported before the walk reaches the next folder.
    report = import_paths([folder], source_name="Wire", batch_size=1, on_result=remove_the_rest)

    assert [str(r) for r in report.results] == [
        f"{folder / 'a.txt'}: created",
        f"{folder / 'later'}: cannot read the folder: No such file or directory"]


def test_a_manifest_that_is_a_link_fails_its_files_and_others_import(tmp_path):
    folder = tmp_path / "import"
    article(folder, "linked/a.txt")
    (folder / "linked" / "manifest.toml").symlink_to("/dev/zero")
    article(folder, "plain/b.txt", n=2)

    with guarded(folder):
        code, _, err = run(folder)

    assert code == 1
    assert f"failed {folder / 'linked' / 'manifest.toml'}: {SYMLINK}" in err
    assert f"failed {folder / 'linked' / 'a.txt'}: its manifest is invalid: {SYMLINK}" in err
    assert Article.objects.get().source_file == str(folder / "plain" / "b.txt")


def test_count_files_counts_what_the_import_reports(tmp_path):
    folder = tmp_path / "import"
    article(folder, "a.txt")
    article(tmp_path / "elsewhere", "b.txt", n=2)
    (folder / "link.txt").symlink_to(tmp_path / "elsewhere" / "b.txt")
    (folder / "linked").symlink_to(tmp_path / "elsewhere")
    os.mkfifo(folder / "pipe.txt")
    article(folder, "broken/c.txt", n=3)
    (folder / "broken" / "manifest.toml").write_text("not = [toml\n")
    paths = [folder, tmp_path / "nowhere", folder / "a.txt"]  # the last one twice

    with guarded(folder):
        report = import_paths(paths, source_name="Wire")

    # All but the broken manifest's own line: counting reads no manifest, as that would make
    # an archive's manifests be parsed twice.
    assert count_files(paths) == report.files - 1 == 6
