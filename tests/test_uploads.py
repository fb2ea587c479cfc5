"""The upload checker on its own: pure Python, no database."""

import io
import zipfile

import pytest

from articles.ingest import uploads
from articles.ingest.uploads import KINDS, Upload, UploadError, unpack

ARTICLE = b"Sahel\nThe ministers met on Monday.\nA second paragraph.\n"


def make_zip(entries, compression=zipfile.ZIP_DEFLATED):
    """A zip of (name or ZipInfo, bytes) entries."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for info, data in entries:
            archive.writestr(info, data)
    return buffer.getvalue()


def written(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def refuse(uploads_, folder):
    with pytest.raises(UploadError) as caught:
        unpack(uploads_, folder)
    assert written(folder) == [], "a refused upload wrote files"
    return str(caught.value)


def test_plain_files_are_written(tmp_path):
    refused = unpack([Upload("a.txt", ARTICLE), Upload("manifest.toml", b"# none\n")],
                     tmp_path)
    assert refused == []
    assert written(tmp_path) == ["a.txt", "manifest.toml"]
    assert (tmp_path / "a.txt").read_bytes() == ARTICLE


def test_a_browser_path_in_the_name_is_reduced_to_the_file_name(tmp_path):
    unpack([Upload("C:\\Users\\me\\a.txt", ARTICLE), Upload("../../b.txt", ARTICLE)], tmp_path)
    assert written(tmp_path) == ["a.txt", "b.txt"]


def test_a_zip_keeps_its_folders_and_reports_what_it_does_not_import(tmp_path):
    data = make_zip([("desk/a.txt", ARTICLE), ("manifest.toml", b""), ("README.md", b"x"),
                     ("desk/inner.ZIP", make_zip([("b.txt", ARTICLE)])), ("desk/", b"")])
    refused = unpack([Upload("bundle.zip", data)], tmp_path)
    assert written(tmp_path) == ["desk/a.txt", "manifest.toml"]
    assert [f"{item.name}: {item.reason}" for item in refused] == [
        f"bundle.zip: README.md: only article files ({KINDS}) and manifest.toml are imported "
        "from a zip; not imported",
        "bundle.zip: desk/inner.ZIP: a zip inside a zip is not imported; unpack it and upload "
        "its files",
    ]


def test_what_an_operating_system_adds_to_a_zip_is_skipped_quietly(tmp_path):
    data = make_zip([("desk/a.txt", ARTICLE), ("__MACOSX/desk/._a.txt", b"junk"),
                     ("desk/.DS_Store", b"junk"), ("desk/Thumbs.db", b"junk")])
    assert unpack([Upload("bundle.zip", data)], tmp_path) == []
    assert written(tmp_path) == ["desk/a.txt"]


def test_a_zip_holding_only_a_zip_says_so(tmp_path):
    data = make_zip([("inner.zip", make_zip([("a.txt", ARTICLE)]))])
    message = refuse([Upload("upload.zip", data)], tmp_path)
    assert message == (f"The upload holds no article files ({KINDS}). upload.zip: inner.zip: a zip "
                       "inside a zip is not imported; unpack it and upload its files.")


@pytest.mark.parametrize("name", ["../evil.txt", "desk/../../evil.txt", "..\\evil.txt",
                                  "/etc/evil.txt", "C:/evil.txt", "C:evil.txt"])
def test_paths_outside_the_folder_are_refused(tmp_path, name):
    data = make_zip([("good.txt", ARTICLE), (zipfile.ZipInfo(name), ARTICLE)])
    message = refuse([Upload("bundle.zip", data)], tmp_path)
    assert "outside the archive" in message
    assert not (tmp_path.parent / "evil.txt").exists()


def test_a_symlink_entry_is_refused(tmp_path):
    link = zipfile.ZipInfo("passwd.txt")
    link.external_attr = 0o120777 << 16
    data = make_zip([("good.txt", ARTICLE), (link, "/etc/passwd")])
    assert "links are not allowed" in refuse([Upload("bundle.zip", data)], tmp_path)


def test_a_zip_bomb_is_refused(tmp_path):
    data = make_zip([("good.txt", ARTICLE), ("bomb.txt", b"a" * (5 * 1024 * 1024))])
    assert len(data) < 100_000
    assert "zip bomb" in refuse([Upload("bomb.zip", data)], tmp_path)


def test_a_header_that_lies_about_the_size_is_caught(tmp_path):
    data = bytearray(make_zip([("big.txt", b"b" * 4096)], compression=zipfile.ZIP_STORED))
    # Patch the central directory's uncompressed size down to 10 bytes.
    central = data.rindex(b"PK\x01\x02")
    data[central + 24:central + 28] = (10).to_bytes(4, "little")
    message = refuse([Upload("liar.zip", bytes(data))], tmp_path)
    assert "big.txt" in message


def test_too_many_entries_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_ENTRIES", 3)
    data = make_zip([(f"{n}.txt", ARTICLE) for n in range(4)])
    assert "4 entries; the limit is 3" in refuse([Upload("many.zip", data)], tmp_path)


def test_unpacked_size_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_UNPACKED_BYTES", 100)
    data = make_zip([("a.txt", ARTICLE), ("b.txt", ARTICLE)])
    assert "unpacks to more than 100" in refuse([Upload("big.zip", data)], tmp_path)


def test_the_total_upload_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 100)
    message = refuse([Upload("a.txt", ARTICLE), Upload("b.txt", ARTICLE)], tmp_path)
    assert "the limit is 100" in message


def test_an_encrypted_entry_is_refused(tmp_path):
    data = bytearray(make_zip([("secret.txt", ARTICLE)], compression=zipfile.ZIP_STORED))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(signature) + offset
        data[at] |= 0x1
    assert "encrypted" in refuse([Upload("locked.zip", bytes(data))], tmp_path)


@pytest.mark.parametrize("name", ["tool.exe", "notes.md", "notes.toml", "archive.tar.gz"])
def test_other_files_are_refused(tmp_path, name):
    message = refuse([Upload("good.txt", ARTICLE), Upload(name, b"data")], tmp_path)
    assert f"{name}: only article files ({KINDS})" in message


def test_not_a_zip_is_refused(tmp_path):
    assert "not a readable zip" in refuse([Upload("x.zip", b"PK\x03\x04garbage")], tmp_path)


def test_a_name_twice_is_refused(tmp_path):
    data = make_zip([("a.txt", ARTICLE)])
    message = refuse([Upload("a.txt", ARTICLE), Upload("bundle.zip", data)], tmp_path)
    assert "a.txt is uploaded twice" in message


def test_nothing_to_import_is_refused(tmp_path):
    data = make_zip([("README.md", b"x")])
    assert f"no article files ({KINDS})" in refuse([Upload("empty.zip", data)], tmp_path)


def test_a_path_that_is_both_file_and_folder_is_refused_before_writing(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("x.txt", b"Kicker\nBody.\n")
        archive.writestr("x.txt/y.txt", b"Kicker\nBody.\n")
    with pytest.raises(UploadError, match="both a file and a folder"):
        unpack([Upload("a.zip", buffer.getvalue())], tmp_path)
    assert list(tmp_path.iterdir()) == []
