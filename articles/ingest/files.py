"""Find the files an import reads, and the manifest entry of each.

Pure Python. Files stream out in a stable order (folders and names sorted) without the whole
archive ever being held in memory: an archive of 100,000 files costs what one of 1,000 does.

Only regular files are read, and never through a symbolic link: a link could point anywhere on
the machine (a password file, `/dev/zero`), and a FIFO would wait for a writer forever. What the
walk finds and will not read is refused by name, with its reason, and the others go on.
"""

import errno
import logging
import os
import stat
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from operator import attrgetter
from pathlib import Path, PurePosixPath

from .errors import InputError
from .formats import EXTENSIONS, extension
from .manifest import FILENAME as MANIFEST_FILENAME
from .manifest import MAX_MANIFEST_BYTES, ArticleEntry, Manifest, ManifestError, parse_manifest
from .parse import MAX_FILE_BYTES

logger = logging.getLogger(__name__)
MAX_FILES = 250_000  # one run; a bigger archive is imported folder by folder
_MANIFESTS_KEPT = 8  # parsed manifests kept: the folders on the current path (a large one holds
# thousands of entries, so keeping more would make memory grow with the archive)

SYMLINK = "a symbolic link: not followed"
# Where the OS has them: a link is refused by open() itself, and opening a FIFO returns at once
# instead of waiting for a writer, so the opened descriptor can be checked.
_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
               | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
_READ_CHUNK = 64 * 1024


@dataclass(frozen=True)
class InputFile:
    """One file to import: its name as the user knows it, its bytes, its manifest entry."""

    name: str
    read: Callable[[], bytes]
    entry: ArticleEntry | None = None
    path: Path | None = None  # on disk, so another process can read it too
    # An item of a document already read (formats.expand): its ParsedArticle, or the error
    # that fails it.
    parsed: object = None


@dataclass(frozen=True)
class Refused:
    """A path or manifest refused before any file was read."""

    name: str
    reason: str
    line: int | None = None


@dataclass(frozen=True)
class InputWarning:
    """Something imported, or left out, that its author should know about: the import goes on."""

    name: str
    message: str
    line: int | None = None

    @property
    def location(self):
        return f"{self.name}:{self.line}" if self.line else self.name

    def __str__(self):
        return f"{self.location}: {self.message}"


class TooManyFiles(ValueError):
    """More files than one run may take; nothing was imported."""


class UnreadableFile(InputError):
    """The path is not a regular file, or holds more than the limit: it is not read."""


def read_bounded(path, limit=MAX_FILE_BYTES):
    """The bytes of the regular file at `path`, never through a link, and never more than
    `limit` of them: a stray video dump, a device or a FIFO is refused without being loaded
    into memory or waited on. Raises UnreadableFile, or OSError when it cannot be opened."""
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError as error:
        # ELOOP on Linux and macOS, EMLINK on FreeBSD: the last part of the path is a link.
        if error.errno in (errno.ELOOP, errno.EMLINK) and os.path.islink(path):
            raise UnreadableFile(SYMLINK) from error
        raise
    try:
        # The opened descriptor, not the path: what was checked is what is read.
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFile(_refusal(info.st_mode))
        if info.st_size > limit:
            raise UnreadableFile(f"the file is {info.st_size:,} bytes; the limit is {limit:,}")
        # The size said is not trusted: a file may grow while it is read, and /proc's files
        # say nothing. Reading stops once past the limit: at most one chunk past it, as some
        # kernel files refuse reads of other lengths than whole words.
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(descriptor, _READ_CHUNK if chunks
                            else max(info.st_size + 1, _READ_CHUNK))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise UnreadableFile(f"the file holds more than {limit:,} bytes, the limit")
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def count_files(paths, max_files=MAX_FILES):
    """How many files an import of `paths` reports, the paths it refuses included (not a broken
    manifest's own line: counting reads no manifest). Raises TooManyFiles over `max_files`."""
    total = 0
    several = len(paths) > 1
    seen = _Seen()
    for raw in paths:
        for found in _walk(Path(raw)):
            if isinstance(found, _Left) or (several and not seen.first(found.path)):
                continue
            total += 1
            if total > max_files:
                raise TooManyFiles(f"{raw} holds more than {max_files:,} article files, the limit "
                                   "for one run: import it folder by folder (or raise "
                                   "--max-files).")
    return total


def iter_inputs(paths, relative_to=None):
    """InputFiles for files and folders (recursively, those of formats.EXTENSIONS), with their
    manifest entries; a Refused for a path that does not exist or will not be read (a link, a
    FIFO, a device, a folder that cannot be listed), a broken manifest, and each file it
    governs (never imported without it); an InputWarning for a manifest entry that matches no
    file. Names are relative to `relative_to` when given."""
    manifests = _Manifests()

    def shown(path):
        return str(path.relative_to(relative_to)) if relative_to else str(path)

    several = len(paths) > 1
    seen = _Seen()  # only overlapping arguments can name a file twice
    for raw in paths:
        path = Path(raw)
        root = path if os.path.isdir(path) else path.parent
        for found in _walk(path):
            if isinstance(found, _Left):
                # Every file below the folder has been seen: its manifest's entries can be
                # checked against the folder, and the manifest need not be kept.
                manifest, refusal = manifests.release(found.folder)
                if refusal:
                    yield Refused(shown(found.folder / MANIFEST_FILENAME), refusal.reason,
                                  refusal.line)
                if isinstance(manifest, Manifest) and (
                        not several or seen.first(found.folder / MANIFEST_FILENAME)):
                    name = shown(found.folder / MANIFEST_FILENAME)
                    for entry, message in _unmatched(found.folder, manifest):
                        yield InputWarning(name, message, entry.line)
                continue
            file = found.path
            if several and not seen.first(file):
                continue
            if found.reason:
                yield Refused(str(raw) if file == path else shown(file), found.reason)
                continue
            entry = None
            parent = file.parent
            for folder in _folders_up(parent, root):
                manifest, refusal = manifests.get(folder)
                if refusal:
                    yield Refused(shown(folder / MANIFEST_FILENAME), refusal.reason,
                                  refusal.line)
                if isinstance(manifest, ManifestError):
                    entry = manifest
                    break
                if manifest is not None:
                    # Most files stand beside their manifest: their name is what it lists.
                    entry = manifest.entry_for(
                        file.name if folder is parent
                        else PurePosixPath(file.relative_to(folder)).as_posix())
                    if entry:
                        break
            if isinstance(entry, ManifestError):
                yield Refused(shown(file), f"its manifest is invalid: {entry}")
            else:
                yield InputFile(shown(file), partial(read_bounded, file), entry, file)


class _Seen:
    """The paths met so far, by their folder resolved, not the path: a link is not followed, so
    two links to one file are two paths. Each folder is resolved once (realpath reads every
    part of a path: 4% of an import of 100 folders given by name, done for each file)."""

    def __init__(self):
        self._paths = set()
        self._folders = {}

    def first(self, path):
        """True the first time `path` is met."""
        folder = self._folders.get(path.parent)
        if folder is None:
            folder = self._folders[path.parent] = os.path.realpath(path.parent)
        key = os.path.join(folder, path.name)
        if key in self._paths:
            return False
        self._paths.add(key)
        return True


@dataclass(frozen=True)
class _Found:
    """A path the walk found: a file to read, or, with a reason, one it refuses."""

    path: Path
    reason: str = ""


@dataclass(frozen=True)
class _Left:
    """The walk is done with this folder and everything below it."""

    folder: Path


def _walk(path):
    """Every article file (formats.EXTENSIONS) below `path` (or `path` itself), sorted,
    streamed, as a _Found; what will not be read as a _Found with its reason; a _Left after
    each folder's tree."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        yield _Found(path, "no such file or folder")
        return
    except OSError as error:
        yield _Found(path, f"cannot read: {error.strerror}")
        return
    if not stat.S_ISDIR(mode):
        yield _Found(path, _refusal(mode))
        return
    # Folders still to read (depth first, in name order), refused folders and _Left marks. Not
    # os.walk: it swallows a folder it cannot list, and its files would vanish from the report.
    pending = [path]
    while pending:
        folder = pending.pop()
        if not isinstance(folder, Path):
            yield folder
            continue
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=attrgetter("name"))
        except OSError as error:
            yield _Found(folder, f"cannot read the folder: {error.strerror}")
            continue
        below = []  # subfolders, walked after the folder's own files
        for entry in entries:
            found = _found(entry)
            if found is None:
                continue
            if isinstance(found, Path) or (found.reason == SYMLINK and _is_folder(entry)):
                below.append(found)  # a linked folder is refused in its place among them
            else:
                yield found
        pending.append(_Left(folder))
        pending.extend(reversed(below))


def _found(entry):
    """What the walk makes of one entry of a folder: a Path for a subfolder to walk, a _Found,
    or None for what an import does not look at (a file of no format it reads)."""
    path = Path(entry.path)
    try:
        if entry.is_dir(follow_symlinks=False):
            return path
        if entry.is_symlink():
            return _Found(path, SYMLINK) if extension(entry.name) or entry.is_dir() else None
        if not extension(entry.name):
            return None
        if entry.is_file(follow_symlinks=False):
            return _Found(path)
        return _Found(path, _refusal(entry.stat(follow_symlinks=False).st_mode))
    except OSError:
        # Gone since the folder was listed: reading it says so, under its own name.
        return _Found(path) if extension(entry.name) else None


def _is_folder(entry):
    try:
        return entry.is_dir()
    except OSError:
        return False


def _refusal(mode):
    """Why a path of this mode is not read ("" for a regular file)."""
    if stat.S_ISREG(mode):
        return ""
    if stat.S_ISLNK(mode):
        return SYMLINK
    kinds = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
             (stat.S_ISDIR, "a folder"))
    kind = next((name for test, name in kinds if test(mode)), "an unknown kind")
    return f"not a regular file ({kind})"


def _unmatched(folder, manifest):
    """(entry, message) for each entry of the folder's manifest that names no file the walk
    could have imported, in the manifest's order."""
    for entry in manifest.articles.values():
        try:
            mode = os.lstat(os.path.join(folder, entry.file)).st_mode
        except (FileNotFoundError, NotADirectoryError):
            yield entry, f"no file {entry.file} in this folder"
            continue
        except OSError:
            continue  # there, but not to be looked at: reading it would say why
        if not extension(entry.file) and not stat.S_ISDIR(mode):
            yield entry, (f"{entry.file} is not an article file: only {', '.join(EXTENSIONS)} "
                          "files are imported")


def _folders_up(folder, root):
    """The folder, then its parents up to the folder the user named: nearest manifest wins."""
    while True:
        yield folder
        if folder == root or folder.parent == folder:
            return
        folder = folder.parent


def _read_manifest(folder):
    """The folder's Manifest, None when it has none, or the ManifestError refusing it."""
    try:
        return parse_manifest(read_bounded(folder / MANIFEST_FILENAME, MAX_MANIFEST_BYTES))
    except FileNotFoundError:
        return None
    except ManifestError as error:
        return error
    except UnreadableFile as error:
        return ManifestError(error.reason)
    except OSError as error:
        return ManifestError(f"cannot read the manifest: {error.strerror}")
    except Exception as error:  # a bug or a library's surprise: the manifest's files fail alone
        logger.error("Internal error reading %s", folder / MANIFEST_FILENAME, exc_info=error)
        return ManifestError(f"internal error: {type(error).__name__}: {error}, see the log")


class _Manifests:
    """Parsed manifests by folder, a few at a time; each refusal is reported once."""

    def __init__(self):
        self.parsed = OrderedDict()
        self.reported = set()

    def get(self, folder):
        """(Manifest, ManifestError or None; the error again only the first time it is seen)."""
        if folder in self.parsed:
            self.parsed.move_to_end(folder)
            return self.parsed[folder], None
        manifest = _read_manifest(folder)
        self.parsed[folder] = manifest
        if len(self.parsed) > _MANIFESTS_KEPT:
            self.parsed.popitem(last=False)
        return manifest, self._refusal(folder, manifest)

    def release(self, folder):
        """Like `get`, once the walk has left the folder's tree: the manifest is not kept. One
        evicted meanwhile is read again, so its entries are checked all the same."""
        if folder in self.parsed:
            return self.parsed.pop(folder), None
        manifest = _read_manifest(folder)
        return manifest, self._refusal(folder, manifest)

    def _refusal(self, folder, manifest):
        if isinstance(manifest, ManifestError) and folder not in self.reported:
            self.reported.add(folder)
            return manifest
        return None


def resumed(inputs, done, reported=()):
    """`inputs` less the first `done` files (Refused items count: each is a file's line of the
    report) and less the warnings in `reported` (compared by name, message and line): what an
    import interrupted after reporting them has left to do. The stream's order is stable, so
    the files passed over are the ones already reported, and none is read."""
    reported = {(warning.name, warning.message, warning.line) for warning in reported}
    files = 0
    for item in inputs:
        if isinstance(item, InputWarning):
            if (item.name, item.message, item.line) not in reported:
                yield item
            continue
        files += 1
        if files > done:
            yield item


def batches(inputs, size):
    """Lists of `size` items of `inputs`, streamed; the last may be shorter, or empty."""
    batch = []
    for item in inputs:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    yield batch  # even empty: a run always ends with a batch
