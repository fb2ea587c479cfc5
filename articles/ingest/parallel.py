"""Parse files in worker processes while the importer writes the batch before.

Pure Python, no Django: a worker imports the parser alone and never touches the database.
Batches come back in input order, and only a few are parsed ahead of the one being written, so
memory stays flat whatever the archive's size. A worker dies with the importer's process, however
that ends (`kill -9` included).
"""

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from .errors import InputError
from .files import read_bounded
from .parse import ParseError, parse_bytes

MIN_FILES = 1000  # below this, starting the workers costs more than they save
MAX_WORKERS = 4  # the importer's one process writes; more parsers would only wait for it
CHUNK = 100  # files per task: fewer round trips between processes
AHEAD = 2  # batches parsed ahead of the one being written
PARENT_POLL_SECONDS = 0.5  # how often a worker without Linux's death signal checks its parent
_PR_SET_PDEATHSIG = 1  # prctl(2)


def default_workers():
    """Parsers for an archive import: every core but the one the importer itself writes on."""
    # The cores this process may run on, which a container or taskset can make fewer.
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min((cores or 1) - 1, MAX_WORKERS))


class WorkerError(Exception):
    """An exception no rule foresaw, met by a worker on one file: its type and message, and the
    worker's traceback for the log (the exception itself may not survive pickling)."""

    def __init__(self, description, traceback_text):
        super().__init__(description)
        self.traceback = traceback_text


@dataclass(frozen=True)
class _Failure:
    """A refusal, sent back as values: an exception's pickle would lose its line."""

    reason: str | None
    line: int | None = None
    unreadable: bool = False  # an OSError: the file could not be read at all
    errno: int | None = None
    traceback: str = ""  # set for an unexpected exception

    def error(self):
        if self.traceback:
            return WorkerError(self.reason, self.traceback)
        if self.unreadable:
            return OSError(self.errno, self.reason)
        return ParseError(self.reason, self.line)


def article_from(result):
    """The ParsedArticle a worker sent back, or the error it met, raised here as it would
    have been by parsing in this process."""
    if isinstance(result, _Failure):
        raise result.error()
    return result


def parse_ahead(batches, workers, parse=parse_bytes):
    """Yield (batch, results): each batch of InputFiles (and Refused) with, item by item, what
    `parse` (a module-level function) gave for its file (see `article_from`), or None for an
    item with nothing to parse."""
    # Spawned, not forked: a copy of the importer's process would share its database connection.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                             initargs=(os.getpid(), parse)) as pool:
        pending = deque()
        try:
            for batch in batches:
                pending.append((batch, _submit(pool, batch)))
                if len(pending) > AHEAD:
                    yield _collect(*pending.popleft())
            while pending:
                yield _collect(*pending.popleft())
        finally:
            # Stopped early (the writer failed, or the caller closed us): drop what is queued.
            pool.shutdown(cancel_futures=True)


def _submit(pool, batch):
    """[(indexes in the batch, future)] for the items of the batch read from disk."""
    indexes = [index for index, item in enumerate(batch) if getattr(item, "path", None)]
    tasks = []
    for start in range(0, len(indexes), CHUNK):
        chunk = indexes[start:start + CHUNK]
        tasks.append((chunk, pool.submit(_parse_paths, [_task(batch[i]) for i in chunk])))
    return tasks


def _task(file):
    """(path, the manifest's headline or "") of an InputFile, for a worker."""
    return file.path, file.entry.headline if file.entry else ""


def _collect(batch, tasks):
    results = [None] * len(batch)
    for chunk, future in tasks:
        for index, result in zip(chunk, future.result(), strict=True):
            results[index] = result
    return batch, results


_parse = parse_bytes  # in a worker: the importer's parse function, set by _start_worker


def _start_worker(parent, parse):
    """A worker's first step: take the importer's parse function, and die with the importer's
    process (`parent`). Orphaned, a worker would wait for work forever: its pipes stay open,
    since every worker holds both ends of them."""
    global _parse
    _parse = parse
    if not _death_signal_set() or os.getppid() != parent:
        # No signal to wait for, or the parent is gone already (before the signal was asked).
        threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True,
                         name="watch-parent").start()


def _death_signal_set():
    """On Linux, ask the kernel to kill this process when its parent dies: at once, with no
    thread polling."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _exit_when_orphaned(parent):
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)


def _parse_paths(tasks):
    """In a worker: read and parse each file of `tasks` ((path, headline) pairs), with what
    the importer will ask of it: its body's fingerprint, its normalised texts and what it is
    about."""
    results = []
    for path, headline in tasks:
        try:
            article = _parse(read_bounded(path))
            # Computed here and pickled with the article: the importer's process has the
            # database to write.
            _ = article.fingerprint, article.normalised_lead
            for item in article.related:
                _ = item.normalised
            if article.language:  # else the source's language decides, which only it knows
                article.about(article.headline_given(headline)[0], article.language)
            results.append(article)
        except InputError as error:
            results.append(_Failure(error.reason, error.line))
        except OSError as error:
            results.append(_Failure(error.strerror, unreadable=True, errno=error.errno))
        except Exception as error:  # one file's, whatever it is: the others of the task go on
            results.append(_Failure(f"{type(error).__name__}: {error}",
                                    traceback=traceback.format_exc()))
    return results
