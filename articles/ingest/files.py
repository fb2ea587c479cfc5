"""Find the files an import reads, and the manifest entry of each.

Pure Python. Files stream out in a stable order (folders and names sorted) without the whole
archive ever being held in memory: an archive of 100,000 files costs what one of 1,000 does.
"""

import os
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath

from .manifest import FILENAME as MANIFEST_FILENAME
from .manifest import ArticleEntry, ManifestError, parse_manifest
from .parse import MAX_FILE_BYTES, ParseError

MAX_FILES = 250_000  # one run; a bigger archive is imported folder by folder
_MANIFESTS_KEPT = 8  # parsed manifests kept: the folders on the current path (a large one holds
# thousands of entries, so keeping more would make memory grow with the archive)


@dataclass(frozen=True)
class InputFile:
    """One file to import: its name as the user knows it, its bytes, its manifest entry."""

    name: str
    read: Callable[[], bytes]
    entry: ArticleEntry | None = None
    path: Path | None = None  # on disk, so another process can read it too


@dataclass(frozen=True)
class Refused:
    """A path or manifest refused before any file was read."""

    name: str
    reason: str
    line: int | None = None


class TooManyFiles(ValueError):
    """More files than one run may take; nothing was imported."""


def _walk(path):
    """Every `*.txt` file below `path` (or `path` itself), sorted, streamed."""
    if path.is_file():
        yield path
        return
    for folder, dirnames, filenames in os.walk(path):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(".txt"):
                yield Path(folder, name)


def count_files(paths, max_files=MAX_FILES):
    """How many files an import of `paths` reads. Raises TooManyFiles over `max_files`."""
    total = 0
    for raw in paths:
        for _ in _walk(Path(raw)):
            total += 1
            if total > max_files:
                raise TooManyFiles(f"{raw} holds more than {max_files:,} .txt files, the limit "
                                   "for one run: import it folder by folder (or raise "
                                   "--max-files).")
    return total


def iter_inputs(paths, relative_to=None):
    """InputFiles for files and folders (recursively, `*.txt`), with their manifest entries;
    a Refused for a path that does not exist, a broken manifest, and each file it governs
    (never imported without it). Names are relative to `relative_to` when given."""
    manifests = _Manifests()

    def shown(path):
        return str(path.relative_to(relative_to)) if relative_to else str(path)

    several = len(paths) > 1
    seen = set()  # only overlapping arguments can name a file twice
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            yield Refused(str(raw), "no such file or folder")
            continue
        root = path if path.is_dir() else path.parent
        for file in _walk(path):
            if several:
                key = str(file.resolve())
                if key in seen:
                    continue
                seen.add(key)
            entry = None
            for folder in _folders_up(file.parent, root):
                manifest, refusal = manifests.get(folder)
                if refusal:
                    yield Refused(shown(folder / MANIFEST_FILENAME), refusal.reason,
                                  refusal.line)
                if isinstance(manifest, ManifestError):
                    entry = manifest
                    break
                if manifest is not None:
                    entry = manifest.entry_for(PurePosixPath(file.relative_to(folder)).as_posix())
                    if entry:
                        break
            if isinstance(entry, ManifestError):
                yield Refused(shown(file), f"its manifest is invalid: {entry}")
            else:
                yield InputFile(shown(file), partial(read_bounded, file), entry, file)


def read_bounded(path):
    """Read the file, unless it is larger than any article: a stray video dump is refused
    without being loaded into memory."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ParseError(f"the file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")
    return path.read_bytes()


def _folders_up(folder, root):
    """The folder, then its parents up to the folder the user named: nearest manifest wins."""
    while True:
        yield folder
        if folder == root or folder.parent == folder:
            return
        folder = folder.parent


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
        path = folder / MANIFEST_FILENAME
        try:
            manifest = parse_manifest(path.read_bytes()) if path.is_file() else None
        except ManifestError as error:
            manifest = error
        except OSError as error:
            manifest = ManifestError(f"cannot read the manifest: {error.strerror}")
        self.parsed[folder] = manifest
        if len(self.parsed) > _MANIFESTS_KEPT:
            self.parsed.popitem(last=False)
        refusal = None
        if isinstance(manifest, ManifestError) and folder not in self.reported:
            self.reported.add(folder)
            refusal = manifest
        return manifest, refusal
