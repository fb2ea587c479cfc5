"""`manifest.toml`: the seeds' manifest, then what is accepted and what is refused."""

import datetime as dt

import pytest

from articles.ingest import manifest
from articles.ingest.manifest import Manifest, ManifestError, parse_manifest

SEED_000 = "000_0c50d9fd883dd018.txt"
SEED_003 = "003_3a914f44e5e3521d.txt"


def toml(*lines):
    return "\n".join(lines).encode()


SOURCE = ('[[source]]', 'key = "wire"', 'name = "The Wire"')  # lines 1-3


def refused(data):
    with pytest.raises(ManifestError) as caught:
        parse_manifest(data)
    return caught.value


# ---------------------------------------------------------------------------------------------
# The seeds' manifest


@pytest.fixture
def seeds_manifest(seeds_dir):
    return parse_manifest((seeds_dir / manifest.FILENAME).read_bytes())


def test_seeds_manifest_sources(seeds_manifest):
    assert set(seeds_manifest.sources) == {"africanews", "partner"}
    africanews = seeds_manifest.sources["africanews"]
    assert africanews.name == "Africanews"
    assert africanews.url == "https://www.africanews.com/"
    assert africanews.kind == "broadcaster"
    assert africanews.country == "CG"
    assert africanews.language == "en"
    partner = seeds_manifest.sources["partner"]
    assert (partner.name, partner.kind, partner.url) == ("Sahel Partner Desk", "outlet", "")


def test_seeds_manifest_articles(seeds_manifest):
    assert set(seeds_manifest.articles) == {SEED_000, SEED_003}
    first, second = seeds_manifest.entry_for(SEED_000), seeds_manifest.entry_for(SEED_003)
    assert first.headline == ("Mali, Burkina Faso and Niger foreign ministers head to Moscow "
                              "for first AES-Russia talks")
    assert second.headline == ("Sahel alliance ministers meet in Moscow to deepen security ties "
                               "with Russia")
    assert first.source is seeds_manifest.sources["africanews"]
    assert second.source is seeds_manifest.sources["partner"]
    assert first.status == second.status == "published"
    assert (first.line, second.line) == (18, 25)  # the lines of their `file =`
    assert seeds_manifest.entry_for("missing.txt") is None


def test_seeds_manifest_published_is_aware_utc(seeds_manifest):
    first, second = seeds_manifest.entry_for(SEED_000), seeds_manifest.entry_for(SEED_003)
    for entry in (first, second):
        assert isinstance(entry.published, dt.datetime)
        assert entry.published.tzinfo is not None
        assert entry.published.utcoffset() == dt.timedelta(0)
    assert first.published == dt.datetime(2025, 4, 1, 9, 0, tzinfo=dt.UTC)
    assert second.published == dt.datetime(2025, 4, 3, 15, 30, tzinfo=dt.UTC)


# ---------------------------------------------------------------------------------------------
# Accepted


def test_minimal_manifest():
    result = parse_manifest(toml('[[article]]', 'file = "a.txt"'))
    assert result.sources == {}
    assert list(result.articles) == ["a.txt"]
    entry = result.entry_for("a.txt")
    assert (entry.file, entry.source, entry.headline, entry.url, entry.published, entry.status) \
        == ("a.txt", None, "", "", None, "")
    assert entry.line == 2


@pytest.mark.parametrize("data", [b"", b"# nothing yet\n", b"\xef\xbb\xbf"])
def test_empty_manifest(data):
    assert parse_manifest(data) == Manifest()


def test_source_defaults_and_headline_spacing():
    result = parse_manifest(toml(
        *SOURCE,
        '[[article]]', 'file = "sub/a.txt"', 'source = "wire"', 'headline = "  Two   spaces "',
    ))
    assert result.sources["wire"].kind == "outlet"
    entry = result.entry_for("sub/a.txt")
    assert entry.source.name == "The Wire"
    assert entry.headline == "Two spaces"


@pytest.mark.parametrize(
    ("published", "expected"),
    [
        ('"2025-04-01T09:00:00Z"', dt.datetime(2025, 4, 1, 9, tzinfo=dt.UTC)),
        ('"2025-04-01T09:00:00+00:00"', dt.datetime(2025, 4, 1, 9, tzinfo=dt.UTC)),
        ('"2025-04-01T11:00:00+02:00"', dt.datetime(2025, 4, 1, 9, tzinfo=dt.UTC)),
        ('"2025-04-01T09:00:00"', dt.datetime(2025, 4, 1, 9, tzinfo=dt.UTC)),
        ('"2025-04-01 09:00"', dt.datetime(2025, 4, 1, 9, tzinfo=dt.UTC)),
        ("2025-04-01T09:00:00", dt.datetime(2025, 4, 1, 9, tzinfo=dt.UTC)),
        ("2025-04-01T11:00:00+02:00", dt.datetime(2025, 4, 1, 9, tzinfo=dt.UTC)),
        ("2025-04-01", dt.datetime(2025, 4, 1, 0, tzinfo=dt.UTC)),
    ],
)
def test_published_forms(published, expected):
    result = parse_manifest(toml('[[article]]', 'file = "a.txt"', f"published = {published}"))
    value = result.entry_for("a.txt").published
    assert value.tzinfo is not None
    assert value == expected


@pytest.mark.parametrize("published", ["2025-04-01T09:00:00", '"2025-04-01T09:00:00"'])
def test_naive_published_becomes_utc(published):
    result = parse_manifest(toml('[[article]]', 'file = "a.txt"', f"published = {published}"))
    value = result.entry_for("a.txt").published
    assert value.tzinfo is dt.UTC
    assert (value.hour, value.minute) == (9, 0)


@pytest.mark.parametrize("published", [
    "1800-01-01T00:00:00Z", "1800-01-01T00:30:00+00:30", "2200-12-31T23:59:59Z",
    '"2200-12-31T23:59:59+00:00"',
])
def test_published_at_the_ends_of_the_years_accepted(published):
    result = parse_manifest(toml('[[article]]', 'file = "a.txt"', f"published = {published}"))
    assert result.entry_for("a.txt").published.year in (1800, 2200)


@pytest.mark.parametrize("published", [
    # Converting these to UTC overflows Python's datetime: the whole batch used to die with them.
    "9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+01:00", '"9999-12-31T23:00:00-05:00"',
    "0001-01-01", "1799-12-31T23:59:59Z", "2200-12-31T23:00:00-01:00", "2201-01-01T00:00:00Z",
])
def test_published_outside_the_years_refused_with_its_line(published):
    error = refused(toml('[[article]]', 'file = "a.txt"', f"published = {published}",
                         'headline = "H"'))
    assert "article 'a.txt': published" in error.reason
    assert "is not between the years 1800 and 2200" in error.reason
    assert error.line == 3


@pytest.mark.parametrize(("written", "file"), [
    ("./a.txt", "a.txt"), ("sub//a.txt", "sub/a.txt"), ("sub/./a.txt", "sub/a.txt"),
    ("./sub/a.txt/", "sub/a.txt"),
])
def test_file_paths_are_named_as_the_walk_names_files(written, file):
    result = parse_manifest(toml('[[article]]', f'file = "{written}"', 'headline = "H"'))
    assert result.entry_for(file).headline == "H"
    assert result.entry_for(file).file == file
    assert result.entry_for(file).line == 2


def test_the_same_file_written_two_ways_is_listed_twice():
    error = refused(toml('[[article]]', 'file = "a.txt"', '[[article]]', 'file = "./a.txt"'))
    assert "'./a.txt' is listed twice" in error.reason
    assert error.line == 4


@pytest.mark.parametrize("status", ["draft", "review", "published"])
def test_statuses(status):
    result = parse_manifest(toml('[[article]]', 'file = "a.txt"', f'status = "{status}"'))
    assert result.entry_for("a.txt").status == status


# ---------------------------------------------------------------------------------------------
# Refused


@pytest.mark.parametrize("end", ["\n", ""], ids=["final-newline", "no-final-newline"])
@pytest.mark.parametrize(
    ("lines", "line"),
    [
        (('[[article]]', 'file = "a.txt"', 'headline = '), 3),
        (('[[article]]', 'file = "a.txt"', 'headline = "unclosed'), 3),
        (('[[article]]', 'file = "a.txt"', '', '[[article]', 'file = "b.txt"'), 4),
        (('[[article]]', 'file = "a.txt"', 'file = "b.txt"'), 3),
    ],
    ids=["no-value", "unclosed-string", "bad-header", "repeated-key"],
)
def test_invalid_toml(lines, line, end):
    error = refused(toml(*lines) + end.encode())
    assert "not valid TOML" in error.reason
    assert error.line == line
    assert str(error).startswith(f"line {line}: ")


@pytest.mark.parametrize(
    ("key", "line"),
    [("headlne", 7), ("language", 7), ("kind", 7), ("author", 7)],
)
def test_unknown_article_key(key, line):
    # The source above has `language` and `kind` too: the error must point at the article's.
    error = refused(toml(
        *SOURCE, 'kind = "wire"', 'language = "en"',
        '[[article]]', f'{key} = "x"', 'file = "a.txt"',
    ))
    assert f"unknown key {key!r}" in error.reason
    assert "[[article]]" in error.reason
    assert error.line == line


def test_unknown_source_key():
    error = refused(toml(*SOURCE, 'colour = "red"'))
    assert "unknown key 'colour'" in error.reason
    assert error.line == 4


def test_unknown_source_referenced():
    error = refused(toml(
        *SOURCE, '', '[[article]]', 'file = "a.txt"', 'source = "wire"',
        '', '[[article]]', 'file = "b.txt"', 'source = "nowhere"',
    ))
    assert "'nowhere'" in error.reason
    assert "b.txt" in error.reason
    assert error.line == 11


def test_duplicate_file():
    error = refused(toml(
        '[[article]]', 'file = "a.txt"', '', '[[article]]', 'file = "b.txt"',
        '', '[[article]]', 'file = "a.txt"',
    ))
    assert "'a.txt'" in error.reason
    assert "twice" in error.reason
    assert error.line == 8  # the second entry, the one to remove


def test_duplicate_source_key():
    error = refused(toml(*SOURCE, '[[source]]', 'key = "wire"', 'name = "Again"'))
    assert "'wire'" in error.reason
    assert "twice" in error.reason


@pytest.mark.parametrize("status", ["live", "Published", "deleted"])
def test_bad_status(status):
    error = refused(toml('[[article]]', 'file = "a.txt"', 'headline = "H"', f'status = "{status}"'))
    assert repr(status) in error.reason
    assert "draft, review, published" in error.reason
    assert error.line == 4


@pytest.mark.parametrize("kind", ["blog", "Wire", "newspaper"])
def test_bad_kind(kind):
    error = refused(toml(*SOURCE, 'url = "https://example.org/"', f'kind = "{kind}"'))
    assert repr(kind) in error.reason
    assert "outlet, wire, broadcaster, agency, other" in error.reason
    assert error.line == 5


@pytest.mark.parametrize(
    "path",
    ["../a.txt", "sub/../../a.txt", "sub/../a.txt", "..", "/etc/passwd", "/a.txt", "./", "."],
)
def test_file_outside_the_folder_refused(path):
    error = refused(toml('[[article]]', 'headline = "H"', f'file = "{path}"'))
    assert repr(path) in error.reason
    assert "inside the manifest's folder" in error.reason
    assert error.line == 3


@pytest.mark.parametrize(
    ("lines", "fragment", "line"),
    [
        (('[[article]]', 'headline = "H"'), "'file' is required", None),
        (('[[article]]', 'file = "  "'), "'file' is required", 2),
        (('[[source]]', 'key = "s"'), "'name' is required", None),
        (('[[article]]', 'file = 3'), "'file' must be a string", 2),
        (('[[article]]', 'file = "a.txt"', 'published = "yesterday"'), "ISO 8601", 3),
        (('[[article]]', 'file = "a.txt"', 'published = 09:00:00'), "date-time", 3),
        (('[[articles]]', 'file = "a.txt"'), "unknown table 'articles'", 1),
    ],
)
def test_other_refusals(lines, fragment, line):
    error = refused(toml(*lines))
    assert fragment in error.reason
    assert error.line == line


def test_single_bracket_table_refused_with_its_line():
    error = refused(toml('# articles', '[article]', 'file = "a.txt"'))
    assert "write [[article]]" in error.reason
    assert error.line == 2


@pytest.mark.parametrize(
    "data",
    [
        b'[[article]]\nfile = "caf\xe9.txt"\n',
        "[[article]]\nfile = \"a.txt\"\nheadline = \"café\"\n".encode("utf-16"),
    ],
    ids=["cp1252", "utf-16"],
)
def test_non_utf8_manifest_refused(data):
    error = refused(data)
    assert "UTF-8" in error.reason


def test_utf8_with_byte_order_mark_accepted():
    result = parse_manifest(b'\xef\xbb\xbf[[article]]\nfile = "a.txt"\nheadline = "Caf\xc3\xa9"\n')
    assert result.entry_for("a.txt").headline == "Café"


def _manifest_of(size):
    head = b'[[article]]\nfile = "a.txt"\n'
    data = head + b"#" * (size - len(head))
    assert len(data) == size
    return data


def test_manifest_over_the_limit_refused():
    error = refused(_manifest_of(manifest.MAX_MANIFEST_BYTES + 1))
    assert "limit" in error.reason
    assert error.line is None


def test_manifest_at_the_limit_accepted():
    result = parse_manifest(_manifest_of(manifest.MAX_MANIFEST_BYTES))
    assert list(result.articles) == ["a.txt"]


@pytest.mark.parametrize(("error", "expected"), [
    (ManifestError("bad", 4), "line 4: bad"),
    (ManifestError("bad"), "bad"),
])
def test_manifest_error_str(error, expected):
    assert str(error) == expected


@pytest.mark.parametrize(("line", "problem"), [
    ('url = "javascript:alert(1)"', "must be an http:// or https:// address"),
    ('url = "ftp://example.com/a"', "must be an http:// or https:// address"),
    ('url = "https://"', "must be an http:// or https:// address"),
    (f'url = "https://example.com/{"a" * 500}"', "the limit is 500"),
    (f'headline = "{"h" * 301}"', "the limit is 300"),
])
def test_article_values_the_database_would_refuse_are_refused_with_their_line(line, problem):
    error = refused(toml('[[article]]', 'file = "a.txt"', line))
    assert problem in error.reason
    assert error.line == 3


@pytest.mark.parametrize("country", ["COG", "1A", "C"])
def test_a_country_is_a_two_letter_code(country):
    error = refused(toml('[[source]]', 'key = "k"', 'name = "N"', f'country = "{country}"'))
    assert "two-letter" in error.reason
    assert error.line == 4


def test_a_manifest_nested_too_deeply_is_refused_not_a_crash():
    with pytest.raises(ManifestError, match="nested too deeply"):
        parse_manifest(("a = " + "[" * 100_000 + "]" * 100_000).encode())
