"""The article parser, through its public API: seeds first, then the format's edge cases."""

import pytest

from articles.ingest import parse
from articles.ingest.language import detect_language
from articles.ingest.parse import (
    STORIES,
    STORY,
    VIDEO,
    VIDEOS,
    ParseError,
    body_fingerprint,
    decode,
    parse_bytes,
    parse_duration,
    parse_text,
)
from tests.conftest import SEED_000_VIDEO_TITLES

SEED_000 = "000_0c50d9fd883dd018.txt"
SEED_003 = "003_3a914f44e5e3521d.txt"


def text(*lines, newline="\n"):
    return newline.join(lines)


def seed(seeds_dir, name):
    return parse_bytes((seeds_dir / name).read_bytes())


def seed_lines(seeds_dir, name):
    """The seed's lines as the file has them, index 0 being line 1."""
    return (seeds_dir / name).read_text(encoding="utf-8").splitlines()


# ---------------------------------------------------------------------------------------------
# Seed 000: a kicker and a related-videos sidebar


def test_seed_000_first_line_is_a_kicker(seeds_dir):
    article = seed(seeds_dir, SEED_000)
    assert article.kicker == "Russia"
    assert article.image_caption == ""
    assert article.language == "en"


def test_seed_000_body(seeds_dir):
    article = seed(seeds_dir, SEED_000)
    assert len(article.paragraphs) == 9
    assert article.paragraphs[0] == (
        "In a significant shift in the region's diplomatic and security landscape, the foreign "
        "ministers of Mali, Burkina Faso, and Niger will visit Moscow this week to deepen their "
        "strategic ties with Russia."
    )
    assert article.lead == article.paragraphs[0]
    assert article.paragraphs[-1] == (
        "By strengthening ties with Russia, the Sahel states aim to bolster their security "
        "efforts and assert greater autonomy from Western influence."
    )


def test_seed_000_videos(seeds_dir):
    article = seed(seeds_dir, SEED_000)
    assert article.sidebar == VIDEOS
    assert len(article.related) == 6
    assert all(item.kind == VIDEO for item in article.related)
    assert [item.duration_seconds for item in article.related] == [None, 91, 124, None, None, 2883]
    assert [item.title for item in article.related] == SEED_000_VIDEO_TITLES
    assert all(item.teaser == "" and not item.truncated for item in article.related)
    assert all(item.text == item.title for item in article.related)


def test_seed_000_line_numbers(seeds_dir):
    article = seed(seeds_dir, SEED_000)
    assert article.first_line == 1
    assert article.body_line == 2
    assert article.sidebar_line == 11
    # Each video's line is its badge's line; the title is on the next one.
    assert [item.line for item in article.related] == [11, 13, 15, 17, 19, 21]


# ---------------------------------------------------------------------------------------------
# Seed 003: an image caption and a related-stories sidebar

SEED_003_TEASERS = [
    "A 10-month-old baby girl, Bih Irene, has been reported missing following a violent "
    "assault on",
    "Un communiqué publié cette semaine a annoncé la création de CSTAR, une société de projet",
    "The ongoing conflict and neglect in the city of Bamenda, North West Region of Cameroon,",
    "South African police have confirmed the recovery of the bodies of three missing police "
    "constables",
    "A failed attempt to steal a newborn at the Nkwen District Hospital on April 28,",
    "Minister of Trade Luc Magloire Mbarga Atangana, representing the Prime Minister, "
    "officially launched the construction",
]


def test_seed_003_first_line_is_an_image_caption(seeds_dir):
    article = seed(seeds_dir, SEED_003)
    assert article.image_caption == "AES leaders and Russia's Putin"
    assert article.kicker == ""
    assert article.language == "en"


def test_seed_003_body(seeds_dir):
    article = seed(seeds_dir, SEED_003)
    assert len(article.paragraphs) == 10
    assert article.paragraphs[0] == (
        "The foreign ministers of Mali, Burkina Faso, and Niger have convened in Moscow for a "
        "crucial two-day visit. This signals a growing shift in the geopolitical landscape of the "
        "Sahel region. The primary objective of this summit, as reported by Burkina 24, is to "
        "solidify and expand political, economic, and security cooperation with Russia."
    )
    assert article.paragraphs[-1] == (
        "The Moscow summit further marks a pivotal moment in the evolving dynamics of the Sahel "
        "region. Consequently, the deepening ties between the Sahel Alliance and Russia are "
        "likely to have significant implications for regional security, economic development, "
        "and geopolitical alignments."
    )


def test_seed_003_stories(seeds_dir):
    article = seed(seeds_dir, SEED_003)
    assert article.sidebar == STORIES
    assert len(article.related) == 6
    assert all(item.kind == STORY for item in article.related)
    assert all(item.truncated for item in article.related)
    assert all(item.title == "" for item in article.related)
    assert [item.teaser for item in article.related] == SEED_003_TEASERS
    assert not any(item.teaser.endswith(("…", "...")) for item in article.related)
    assert [item.text for item in article.related] == SEED_003_TEASERS


def test_seed_003_story_languages(seeds_dir):
    # A language is recorded only where it differs from the article's ("en").
    article = seed(seeds_dir, SEED_003)
    assert [item.language for item in article.related] == ["", "fr", "", "", "", ""]
    assert article.related[1].teaser.startswith("Un communiqué publié cette semaine")


def test_seed_003_line_numbers(seeds_dir):
    article = seed(seeds_dir, SEED_003)
    assert article.first_line == 1
    assert article.body_line == 2
    assert article.sidebar_line == 12
    assert [item.line for item in article.related] == [12, 13, 14, 15, 16, 17]


# ---------------------------------------------------------------------------------------------
# Body and sidebar never leak into each other


@pytest.mark.parametrize(("name", "last_body_line"), [(SEED_000, 10), (SEED_003, 11)])
def test_seed_body_is_exactly_the_body_lines(seeds_dir, name, last_body_line):
    article = seed(seeds_dir, name)
    lines = seed_lines(seeds_dir, name)
    assert article.paragraphs == tuple(line.strip() for line in lines[1:last_body_line])
    assert article.paragraphs[-1] == lines[last_body_line - 1].strip()
    assert article.sidebar_line == last_body_line + 1


@pytest.mark.parametrize("name", [SEED_000, SEED_003])
def test_seed_no_sidebar_text_in_body(seeds_dir, name):
    article = seed(seeds_dir, name)
    lines = [line.strip() for line in seed_lines(seeds_dir, name)]
    sidebar_lines = set(lines[article.sidebar_line - 1:])
    assert not sidebar_lines & set(article.paragraphs)
    assert not {item.text for item in article.related} & set(article.paragraphs)
    for paragraph in article.paragraphs:
        assert paragraph.casefold() != "go to video"
        assert parse_duration(paragraph) is None


@pytest.mark.parametrize("name", [SEED_000, SEED_003])
def test_seed_items_point_at_their_own_lines(seeds_dir, name):
    article = seed(seeds_dir, name)
    lines = [line.strip() for line in seed_lines(seeds_dir, name)]
    for item in article.related:
        assert item.line >= article.sidebar_line
        if item.kind == VIDEO:
            badge, title = lines[item.line - 1], lines[item.line]
            assert parse_duration(badge) == item.duration_seconds
            assert title == item.title
        else:
            assert lines[item.line - 1] == item.teaser + "…"


# ---------------------------------------------------------------------------------------------
# First line


@pytest.mark.parametrize(
    ("first", "kicker", "caption"),
    [
        ("Russia", "Russia", ""),
        ("West Africa", "West Africa", ""),
        ("AES leaders and Russia's Putin", "", "AES leaders and Russia's Putin"),
        ("Politics.", "", "Politics."),
    ],
)
def test_first_line_kicker_or_caption(first, kicker, caption):
    article = parse_text(text(first, "A paragraph."))
    assert (article.kicker, article.image_caption) == (kicker, caption)


# ---------------------------------------------------------------------------------------------
# Durations and badges


@pytest.mark.parametrize(
    ("badge", "seconds"),
    [
        ("1:02:03", 3723),
        ("10:00:00", 36000),
        ("01:31", 91),
        ("48:03", 2883),
        ("0:45", 45),
        ("59:59", 3599),
        (" 02:04 ", 124),
        ("99:99", None),
        ("1:2", None),
        ("1:60", None),
        ("1:02:03:04", None),
        ("100:00:00", None),
        ("12:3a", None),
        ("", None),
        ("Go to video", None),
    ],
)
def test_parse_duration(badge, seconds):
    assert parse_duration(badge) == seconds


@pytest.mark.parametrize(("badge", "seconds"), [
    ("1:02:03", 3723), ("02:04", 124), ("Go to video", None), ("GO TO VIDEO", None),
])
def test_video_badges_in_a_file(badge, seconds):
    article = parse_text(text("Russia", "A paragraph.", badge, "A video title"))
    assert article.sidebar == VIDEOS
    assert article.paragraphs == ("A paragraph.",)
    assert [(item.title, item.duration_seconds) for item in article.related] == [
        ("A video title", seconds)
    ]


@pytest.mark.parametrize("not_a_badge", ["99:99", "1:2", "1:60", "Go to videos"])
def test_invalid_badges_stay_in_the_body(not_a_badge):
    lines = ("Russia", "A paragraph.", not_a_badge, "A video title")
    article = parse_text(text(*lines))
    assert article.sidebar is None
    assert article.related == ()
    assert article.paragraphs == lines[1:]


def test_video_title_in_another_language_keeps_it():
    article = parse_text(text(
        "Russia",
        "The ministers said they would meet in Moscow for the talks.",
        "Go to video",
        "Les ministres de la Confédération sont arrivés à Moscou pour des consultations",
        "01:31",
        "The ministers arrive in Moscow for the talks",
    ))
    assert article.language == "en"
    assert [item.language for item in article.related] == ["fr", ""]


# ---------------------------------------------------------------------------------------------
# Stories


@pytest.mark.parametrize("ellipsis", ["…", "...", " …", " ..."])
def test_story_teasers_with_either_ellipsis(ellipsis):
    article = parse_text(text(
        "Russia",
        "First paragraph.",
        "Second paragraph.",
        "First teaser of another story" + ellipsis,
        "Second teaser of another story" + ellipsis,
    ))
    assert article.sidebar == STORIES
    assert article.sidebar_line == 4
    assert article.paragraphs == ("First paragraph.", "Second paragraph.")
    assert [item.teaser for item in article.related] == [
        "First teaser of another story", "Second teaser of another story",
    ]
    assert all(item.truncated for item in article.related)


def test_ellipsis_in_the_middle_of_the_body_stays_body():
    lines = ("Russia", "First paragraph.", "He paused…", "And went on.", "The end...",
             "The real end.")
    article = parse_text(text(*lines))
    assert article.sidebar is None
    assert article.related == ()
    assert article.paragraphs == lines[1:]


def test_one_trailing_ellipsis_line_stays_body():
    lines = ("Russia", "First paragraph.", "Second paragraph.", "And the story trails off…")
    article = parse_text(text(*lines))
    assert article.sidebar is None
    assert article.related == ()
    assert article.paragraphs[-1] == "And the story trails off…"
    assert article.paragraphs == lines[1:]


def test_long_paragraph_ending_in_ellipsis_is_not_a_teaser():
    long = "This paragraph goes on and on " * 12 + "until it trails off…"
    assert len(long) > parse.MAX_TEASER_CHARS
    article = parse_text(text("Russia", "First paragraph.", long, "A teaser…", "Another teaser…"))
    assert article.paragraphs == ("First paragraph.", long)
    assert article.sidebar == STORIES
    assert [item.teaser for item in article.related] == ["A teaser", "Another teaser"]
    assert article.sidebar_line == 4


def test_two_long_paragraphs_ending_in_ellipsis_are_no_sidebar():
    long = "This paragraph goes on and on " * 12 + "until it trails off…"
    article = parse_text(text("Russia", "First paragraph.", long, long + " again…"))
    assert article.sidebar is None
    assert article.paragraphs == ("First paragraph.", long, long + " again…")


# ---------------------------------------------------------------------------------------------
# Layout: line endings, blank lines, whitespace, byte-order marks, encodings


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_endings(newline):
    article = parse_text(text(
        "Russia", "First paragraph.", "", "Second paragraph.", "", "01:31", "A video title", "",
        newline=newline,
    ))
    assert article.kicker == "Russia"
    assert article.paragraphs == ("First paragraph.", "Second paragraph.")
    assert article.body_line == 2
    assert article.sidebar_line == 6
    assert [(item.line, item.title, item.duration_seconds) for item in article.related] == [
        (6, "A video title", 91)
    ]


def test_crlf_bytes():
    article = parse_bytes(b"Russia\r\nFirst paragraph.\r\n\r\nSecond paragraph.\r\n")
    assert article.paragraphs == ("First paragraph.", "Second paragraph.")
    assert not any("\r" in p for p in article.paragraphs)


def test_blank_lines_are_ignored_but_counted():
    article = parse_text(text(
        "", "Russia", "", "", "First paragraph.", "", "Second paragraph.", "",
        "Go to video", "", "First title", "02:04", "", "Second title", "",
    ))
    assert article.paragraphs == ("First paragraph.", "Second paragraph.")
    assert article.first_line == 2
    assert article.body_line == 5
    assert article.sidebar_line == 9
    assert [item.line for item in article.related] == [9, 12]
    assert [item.title for item in article.related] == ["First title", "Second title"]


def test_trailing_spaces_and_tabs_are_stripped():
    article = parse_text(text(
        "Russia \t", "First paragraph. \t", "\t ", "Second paragraph.\t\t",
        "Go to video \t", "First title  ", "01:31\t", "Second title \t ",
    ))
    assert article.kicker == "Russia"
    assert article.paragraphs == ("First paragraph.", "Second paragraph.")
    assert [(item.title, item.duration_seconds) for item in article.related] == [
        ("First title", None), ("Second title", 91)
    ]


def test_byte_order_mark_in_bytes():
    article = parse_bytes(b"\xef\xbb\xbfRussia\nFirst paragraph.\n")
    assert article.kicker == "Russia"
    assert article.paragraphs == ("First paragraph.",)


def test_byte_order_mark_in_text():
    article = parse_text("\ufeffRussia\nFirst paragraph.\n")
    assert article.kicker == "Russia"
    assert article.paragraphs == ("First paragraph.",)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"caf\xe9", "café"),
        (b"and then\x85", "and then…"),
        (b"the alliance\x92s pivot", "the alliance’s pivot"),
        (b"\x93quoted\x94", "“quoted”"),
        ("café – “ok”".encode(), "café – “ok”"),
    ],
)
def test_decode_utf8_else_cp1252(data, expected):
    assert decode(data) == expected


def test_cp1252_file():
    article = parse_bytes(
        b"Caf\xe9 society\n"
        b"The caf\xe9\x92s owner said\x85 and left.\n"
        b"Go to video\n"
        b"Caf\xe9 owner interviewed\n"
    )
    assert article.kicker == "Café society"
    assert article.paragraphs == ("The café’s owner said… and left.",)
    assert [item.title for item in article.related] == ["Café owner interviewed"]


def test_a_cp1252_file_has_no_warnings():
    assert parse_bytes(b"Caf\xe9\nThe caf\xe9\x92s owner said\x85 and left.\n").warnings == ()


def test_a_bad_byte_in_a_utf8_file_is_replaced_with_a_warning_at_its_line():
    article = parse_bytes("Café\nLa terrasse du café est ouverte.\n\nUn été chaud.\n"
                          .encode().replace("été".encode(), b"\xe9t\xc3\xa9"))
    assert article.kicker == "Café"  # the rest of the file is UTF-8, not Windows-1252
    assert article.paragraphs == ("La terrasse du café est ouverte.", "Un \ufffdté chaud.")
    assert article.warnings == ((4, "invalid UTF-8 byte replaced with U+FFFD"),)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_a_warning_names_every_line_with_bad_bytes(newline):
    lines = ["Café", *(f"Paragraph {n} of the café story." for n in range(2, 12))]
    data = newline.join(lines).encode()
    for n in (3, 5, 6, 7, 8, 9, 10, 11):
        data = data.replace(f"Paragraph {n} ".encode(), f"Paragraph {n} ".encode() + b"\x93")
    data = data.replace(b"Paragraph 3 \x93", b"Paragraph 3 \x93\x94")
    article = parse_bytes(data)
    assert article.warnings == ((3, "2 invalid UTF-8 bytes replaced with U+FFFD (also on lines "
                                    "5, 6, 7, 8, 9 and 2 more)"),)
    assert article.paragraphs[0] == "Paragraph 2 of the café story."


def test_a_replacement_character_written_in_the_file_is_no_warning():
    data = "Café\nA \ufffd written by the scraper, and é.\n".encode() + b"Bad \xff here.\n"
    assert parse_bytes(data).warnings == ((3, "invalid UTF-8 byte replaced with U+FFFD"),)
    assert parse_bytes("Café\nOnly a \ufffd written by the scraper.\n".encode()).warnings == ()


def test_bytes_mostly_not_utf8_are_refused_as_binary():
    with pytest.raises(ParseError, match="binary"):
        parse_bytes("Café\n".encode() + bytes(range(0x80, 0x100)) * 4 + b"\nA paragraph.\n")


def test_a_stray_control_character_is_tolerated(seeds_dir):
    data = (seeds_dir / SEED_000).read_bytes().replace(b"Russia\n", b"Russia\x0b\n", 1)
    article = parse_bytes(data)
    assert article.kicker == "Russia"
    assert len(article.paragraphs) == 9


def test_no_sidebar():
    lines = ("Russia", "First paragraph.", "Second paragraph.", "Third paragraph.")
    article = parse_text(text(*lines))
    assert article.sidebar is None
    assert article.related == ()
    assert article.sidebar_line is None
    assert article.paragraphs == lines[1:]
    assert article.body == "First paragraph.\n\nSecond paragraph.\n\nThird paragraph."


# ---------------------------------------------------------------------------------------------
# Refusals


@pytest.mark.parametrize("data", [b"", b" ", b"\n\n", b" \r\n\t \n"])
def test_empty_bytes_refused(data):
    with pytest.raises(ParseError, match="empty") as caught:
        parse_bytes(data)
    assert caught.value.line is None


@pytest.mark.parametrize("value", ["", "   ", "\n\t\n", "\ufeff\n"])
def test_empty_text_refused(value):
    with pytest.raises(ParseError, match="empty"):
        parse_text(value)


@pytest.mark.parametrize(
    "data",
    [
        b"Russia\nA paragraph\x00 with a NUL.\n",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"Russia\n" + bytes(range(1, 9)) * 4 + b"\nA paragraph.\n",
        b"\x01\x02\x03\x04\x05 Russia\nA paragraph.",
    ],
)
def test_binary_refused(data):
    with pytest.raises(ParseError, match="binary"):
        parse_bytes(data)


def test_bytes_undefined_in_cp1252_refused():
    with pytest.raises(ParseError, match="neither UTF-8 nor Windows-1252"):
        parse_bytes(b"Russia\nA paragraph with \x81 and \x8d.\n")


@pytest.mark.parametrize(("value", "line"), [
    ("Russia", 1), ("Russia\n", 1), ("Russia\n\n  \n", 1), ("\n\nRussia\n", 3),
])
def test_first_line_only_refused(value, line):
    with pytest.raises(ParseError, match="no body") as caught:
        parse_text(value)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"line {line}: ")


def test_first_line_only_bytes_refused():
    with pytest.raises(ParseError, match="no body") as caught:
        parse_bytes(b"Russia\r\n")
    assert caught.value.line == 1


@pytest.mark.parametrize(
    "lines",
    [
        ("Russia", "Go to video", "A video title", "01:31", "Another video title"),
        ("Russia", "Go to video", "A video title"),
        ("Russia", "A first teaser…", "A second teaser…", "A third teaser…"),
    ],
    ids=["two-videos", "one-video", "three-stories"],
)
def test_sidebar_without_body_refused(lines):
    with pytest.raises(ParseError, match="body") as caught:
        parse_text(text(*lines))
    assert caught.value.line is not None


def test_over_long_line_refused_with_its_line():
    too_long = "x" * (parse.MAX_LINE_CHARS + 1)
    with pytest.raises(ParseError) as caught:
        parse_text(text("Russia", "A paragraph.", "", too_long, "Another paragraph."))
    assert caught.value.line == 4
    assert str(caught.value).startswith("line 4: ")
    assert "limit" in caught.value.reason


def test_line_at_the_limit_accepted():
    longest = "x" * parse.MAX_LINE_CHARS
    article = parse_text(text("Russia", "A paragraph.", longest))
    assert article.paragraphs == ("A paragraph.", longest)


def _file_of(size):
    line = b"A paragraph of text. " * 40 + b"\n"
    head = b"Russia\n"
    count, rest = divmod(size - len(head), len(line))
    data = head + line * count + b"x" * rest
    assert len(data) == size
    return data


def test_file_over_the_limit_refused():
    with pytest.raises(ParseError) as caught:
        parse_bytes(_file_of(parse.MAX_FILE_BYTES + 1))
    assert "bytes" in caught.value.reason
    assert "limit" in caught.value.reason
    assert caught.value.line is None


def test_file_at_the_limit_accepted():
    article = parse_bytes(_file_of(parse.MAX_FILE_BYTES))
    assert article.kicker == "Russia"
    assert len(article.paragraphs) > 2000


@pytest.mark.parametrize(("error", "expected"), [
    (ParseError("the file has no body", 3), "line 3: the file has no body"),
    (ParseError("the file is empty"), "the file is empty"),
])
def test_parse_error_str(error, expected):
    assert str(error) == expected


# ---------------------------------------------------------------------------------------------
# Fingerprint


@pytest.mark.parametrize(
    "variant",
    [
        ["He said “we are here”.", "Ties with Russia’s army."],
        ['He said "we are here".', "Ties with Russia's army."],
        ["he  said  \"We Are Here\".", "TIES WITH RUSSIA'S ARMY."],
        ["  He said\u00a0“we are here”. ", "Ties with Russia’s   army."],
    ],
)
def test_fingerprint_blind_to_spacing_quotes_and_case(variant):
    reference = ["He said “we are here”.", "Ties with Russia’s army."]
    assert body_fingerprint(variant) == body_fingerprint(reference)


@pytest.mark.parametrize(
    "other",
    [
        ["He said “we are there”.", "Ties with Russia’s army."],
        ["He said “we are here”."],
        ["Ties with Russia’s army.", "He said “we are here”."],
    ],
)
def test_fingerprint_differs_for_different_text(other):
    reference = ["He said “we are here”.", "Ties with Russia’s army."]
    assert body_fingerprint(other) != body_fingerprint(reference)


def test_fingerprint_ignores_first_line_and_sidebar():
    body = ("First paragraph.", "Second paragraph.")
    plain = parse_text(text("Russia", *body))
    with_videos = parse_text(text("An image caption of the ministers", *body, "01:31", "Title"))
    with_stories = parse_text(text("Sahel", *body, "A teaser…", "Another teaser…"))
    assert with_videos.paragraphs == with_stories.paragraphs == body
    assert plain.fingerprint == with_videos.fingerprint == with_stories.fingerprint
    assert plain.fingerprint == body_fingerprint(body)
    assert plain.fingerprint != parse_text(text("Russia", "First paragraph.")).fingerprint


# ---------------------------------------------------------------------------------------------
# Language


@pytest.mark.parametrize(
    ("value", "language"),
    [
        ("Un communiqué publié cette semaine a annoncé la création de CSTAR, une société de "
         "projet", "fr"),
        ("L'armée du Mali a lancé une opération dans le nord du pays", "fr"),
        ("The foreign ministers of Mali and Niger will visit Moscow this week.", "en"),
        ("Sahel region hardest-hit by terrorism worldwide, says Global Terrorism Index 2025",
         "en"),
        ("Moscow talks", ""),
        ("2025 04 01", ""),
        ("", ""),
    ],
)
def test_detect_language(value, language):
    assert detect_language(value) == language
