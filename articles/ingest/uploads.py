"""Unpack files uploaded from the browser into a folder the importer can read.

Pure Python. Everything is checked before anything is written: a hostile or oversized upload is
refused whole, with a reason, and leaves the folder empty. A zip's members of another kind (a zip
inside the zip, a picture) are not imported, and each is reported: never dropped without a word.
"""

import io
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .files import Refused
from .formats import EXTENSIONS, extension
from .manifest import FILENAME as MANIFEST_FILENAME

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # all uploaded files together, as sent
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # a zip's contents, unpacked
MAX_ENTRIES = 10_000
MAX_RATIO = 100  # text compresses about 3-10x; a hundredfold is a zip bomb
_CHUNK = 64 * 1024


class UploadError(ValueError):
    pass


KINDS = ", ".join(EXTENSIONS)


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes


def wanted(name):
    path = PurePosixPath(name)
    return bool(extension(path.name)) or path.name == MANIFEST_FILENAME


def unpack(uploads, folder):
    """Check every upload, then write the article files and manifests into `folder`.

    Returns the zip members it did not write, as Refused items for the import's report.
    Raises UploadError, having written nothing.
    """
    folder = Path(folder)
    total = sum(len(upload.data) for upload in uploads)
    if total > MAX_UPLOAD_BYTES:
        raise UploadError(f"The upload is {total:,} bytes; the limit is {MAX_UPLOAD_BYTES:,}.")
    planned = {}  # relative path -> bytes
    refused = []
    for upload in uploads:
        name = PurePosixPath(upload.name.replace("\\", "/")).name
        if name.lower().endswith(".zip"):
            for relative, member in _check_zip(upload):
                if isinstance(member, Refused):
                    refused.append(member)
                else:
                    _plan(planned, relative, member, upload.name)
        elif wanted(name):
            _plan(planned, PurePosixPath(name), upload.data, upload.name)
        else:
            raise UploadError(f"{upload.name}: only article files ({KINDS}), manifest.toml and "
                              ".zip archives can be imported.")
    if not planned:
        raise UploadError(" ".join([f"The upload holds no article files ({KINDS}).",
                                    *(f"{item.name}: {item.reason}." for item in refused[:3])]))
    for relative in planned:
        for parent in relative.parents:
            if parent in planned:
                raise UploadError(f"{parent} is both a file and a folder in the upload.")

    for relative, content in planned.items():
        target = folder.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return refused


def _plan(planned, relative, content, origin):
    if relative in planned:
        raise UploadError(f"{origin}: {relative} is uploaded twice.")
    planned[relative] = content


def _check_zip(upload):
    """The archive's members as (path, bytes), each read in full, bounded; or (path, Refused)
    for a member of a kind not imported."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(upload.data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as error:
        raise UploadError(f"{upload.name}: not a readable zip archive ({error}).") from error
    if len(infos) > MAX_ENTRIES:
        raise UploadError(f"{upload.name}: {len(infos):,} entries; the limit is {MAX_ENTRIES:,}.")
    unpacked = 0
    members = []
    for info in infos:
        where = f"{upload.name}: {info.filename}"
        path = PurePosixPath(info.filename.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or ":" in info.filename:
            raise UploadError(f"{where}: a path outside the archive's folder is not allowed.")
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise UploadError(f"{where}: links are not allowed in an upload.")
        if info.flag_bits & 0x1:
            raise UploadError(f"{where}: encrypted entries cannot be imported.")
        if info.is_dir() or _system_file(path):
            continue
        if not wanted(path.name):
            members.append((path, Refused(where, _not_imported(path))))
            continue
        unpacked += info.file_size
        if unpacked > MAX_UNPACKED_BYTES:
            raise UploadError(f"{upload.name}: unpacks to more than {MAX_UNPACKED_BYTES:,} "
                              "bytes; the limit is that.")
        ratio = info.file_size // max(info.compress_size, 1)
        if ratio > MAX_RATIO and info.file_size > _CHUNK:
            raise UploadError(f"{where}: compressed {ratio:,} to 1, which only a zip bomb does.")
        # Sizes in a zip's headers can lie: reading is bounded by what the header claims.
        members.append((path, _read_bounded(archive, info)))
    return members


def _system_file(path):
    """What an operating system adds to a zip unasked (macOS's resource forks and folder
    settings, Windows's thumbnails): nobody meant it, so nobody needs to hear of it."""
    return (path.parts[0] == "__MACOSX" or path.name.startswith(".")
            or path.name.lower() in {"thumbs.db", "desktop.ini"})


def _not_imported(path):
    if path.suffix.lower() == ".zip":
        return "a zip inside a zip is not imported; unpack it and upload its files"
    return (f"only article files ({KINDS}) and manifest.toml are imported from a zip; not "
            "imported")


def _read_bounded(archive, info):
    chunks, size = [], 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > info.file_size or size > MAX_UNPACKED_BYTES:
                    raise UploadError(f"{info.filename}: unpacks to more than its header says.")
                chunks.append(chunk)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise UploadError(f"{info.filename}: cannot be unpacked ({error}).") from error
    return b"".join(chunks)
