"""Write a realistic, deterministic archive of scraped article files.

    python bench/corpus.py N DIR [--seed S] [--format text|rss|atom|ninjs|html]

N files in both seed layouts (related videos / related stories), in folders of 1,000 with a
manifest.toml each (sources, headlines, URLs, times). Sidebars name other generated articles:
video titles are their headlines and story teasers are the starts of their leads, so link
resolution is exercised at scale. Pure Python: no Django needed.

With --format, the same N articles as the other formats the import reads, with no manifest
(the documents carry headline, URL, time, source and tags): RSS 2.0 feeds and Atom feeds of
FEED_ITEMS items each (`content:encoded` / `content`), one NINJS 2.0 object a file, or one saved
page a file (navigation, share bar, a "Read also" promo, a related box and a footer around the
story).
"""

import argparse
import json
import random
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

FORMATS = ("text", "rss", "atom", "ninjs", "html")
FEED_ITEMS = 50

PER_FOLDER = 1000
SIDEBAR_ITEMS = 6
SOURCES = [
    ("africanews", "Africanews", "broadcaster", "CG", "en"),
    ("wire", "Continental Wire", "wire", "KE", "en"),
    ("sahel", "Sahel Partner Desk", "outlet", "ML", "en"),
    ("dakar", "Dakar Matin", "outlet", "SN", "fr"),
    ("lagos", "Lagos Ledger", "outlet", "NG", "en"),
]
PLACES = ["Mali", "Niger", "Burkina Faso", "Senegal", "Nigeria", "Ghana", "Kenya", "Cameroon",
          "Chad", "Sudan", "Ethiopia", "Morocco", "Egypt", "Angola", "Zambia", "Uganda"]
KICKERS = ["Politics", "Security", "Economy", "Energy", "Health", "Sport", "Climate", "Russia",
           "ECOWAS", "Elections", "Mining", "Culture"]
SUBJECTS = ["ministers", "the government", "regional leaders", "the central bank", "rebels",
            "farmers", "the electoral commission", "miners", "the army", "health workers",
            "investors", "the opposition", "students", "the football federation"]
VERBS = ["agree on", "reject", "announce", "debate", "postpone", "launch", "suspend",
         "celebrate", "protest against", "sign", "review", "expand"]
OBJECTS = ["a new security pact", "fuel subsidies", "a uranium venture", "the budget",
           "a vaccination drive", "border controls", "a rail project", "grain exports",
           "a peace deal", "mobile money rules", "the transition timetable", "a solar farm"]
DETAILS = ["after talks that lasted late into the night", "despite warnings from neighbours",
           "as prices keep rising", "ahead of the rainy season", "under pressure from donors",
           "following weeks of protests", "with support from regional partners",
           "in a move analysts called long overdue", "amid a row over funding"]
FRENCH = ["Le gouvernement a annoncé cette semaine un nouveau plan pour la région",
          "Un communiqué publié lundi a confirmé la création d'une société de projet",
          "Les ministres se sont réunis à Dakar pour discuter de la sécurité",
          "La banque centrale a décidé de maintenir son taux directeur"]


class Archive:
    def __init__(self, count, seed):
        self.count = count
        self.random = random.Random(seed)
        self.start = datetime(2025, 1, 1, tzinfo=UTC)

    def headline(self, number):
        # Deterministic per article, so any file can name any other without keeping them all.
        rng = random.Random(number * 7919)
        return (f"{rng.choice(PLACES)}: {rng.choice(SUBJECTS).capitalize()} "
                f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} (report {number})")

    def lead(self, number):
        rng = random.Random(number * 104729)
        return (f"In {rng.choice(PLACES)}, {rng.choice(SUBJECTS)} {rng.choice(VERBS)} "
                f"{rng.choice(OBJECTS)} {rng.choice(DETAILS)}, officials said in report "
                f"{number} on {self.published(number):%A}.")

    def published(self, number):
        return self.start + timedelta(minutes=17 * number)

    def paragraph(self):
        rng = self.random
        sentences = [
            f"{rng.choice(SUBJECTS).capitalize()} in {rng.choice(PLACES)} {rng.choice(VERBS)} "
            f"{rng.choice(OBJECTS)} {rng.choice(DETAILS)}."
            for _ in range(rng.randint(2, 5))
        ]
        if rng.random() < 0.2:
            sentences.append(f"“We will not accept {rng.choice(OBJECTS)},” a spokesperson said.")
        return " ".join(sentences)

    def others(self, number):
        picks = set()
        while len(picks) < min(SIDEBAR_ITEMS, self.count - 1):
            other = self.random.randrange(self.count)
            if other != number:
                picks.add(other)
        return sorted(picks)

    def url(self, number):
        return f"https://news.example.com/{number}"

    def source(self, number):
        return SOURCES[number % len(SOURCES)]

    def story(self, number):
        """(first line, paragraphs, sidebar lines) of article `number`."""
        rng = self.random
        first = rng.choice(KICKERS) if rng.random() < 0.6 else (
            f"{rng.choice(SUBJECTS).capitalize()} in {rng.choice(PLACES)}")
        paragraphs = [self.lead(number)]
        paragraphs += [self.paragraph() for _ in range(rng.randint(3, 11))]
        sidebar = []
        if number % 2 == 0:
            for other in self.others(number):
                roll = rng.random()
                badge = ("Go to video" if roll < 0.35 else
                         f"{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}" if roll < 0.95 else
                         f"{rng.randint(1, 2)}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}")
                sidebar += [badge, self.headline(other)]
        else:
            for other in self.others(number):
                if rng.random() < 0.1:
                    sidebar.append(rng.choice(FRENCH)[:80].rstrip() + "…")
                else:
                    lead = self.lead(other)
                    sidebar.append(lead[:90].rsplit(" ", 1)[0] + "…")
        return first, paragraphs, sidebar

    def text(self, number):
        first, paragraphs, sidebar = self.story(number)
        return "\n".join([first, *paragraphs, *sidebar]) + "\n"

    def write(self, folder, format_="text"):
        if format_ != "text":
            return _write_documents(self, Path(folder), format_)
        folder = Path(folder)
        for start in range(0, self.count, PER_FOLDER):
            part = folder / f"part-{start // PER_FOLDER:04d}"
            part.mkdir(parents=True, exist_ok=True)
            manifest = []
            for key, name, kind, country, language in SOURCES:
                manifest += ["[[source]]", f'key = "{key}"', f'name = "{name}"',
                             f'kind = "{kind}"', f'country = "{country}"',
                             f'language = "{language}"', ""]
            for number in range(start, min(start + PER_FOLDER, self.count)):
                name = f"{number:06d}.txt"
                (part / name).write_text(self.text(number), encoding="utf-8")
                manifest += [
                    "[[article]]", f'file = "{name}"',
                    f'source = "{self.source(number)[0]}"',
                    f'headline = "{self.headline(number)}"',
                    f'url = "{self.url(number)}"',
                    f"published = {self.published(number):%Y-%m-%dT%H:%M:%SZ}",
                    'status = "published"', "",
                ]
            (part / "manifest.toml").write_text("\n".join(manifest), encoding="utf-8")


def _write_documents(archive, folder, format_):
    """The archive's articles as documents of `format_`, in folders of PER_FOLDER articles."""
    per_file = FEED_ITEMS if format_ in ("rss", "atom") else 1
    extension = {"rss": "rss", "atom": "atom", "ninjs": "json", "html": "html"}[format_]
    write = {"rss": _rss, "atom": _atom, "ninjs": _ninjs, "html": _page}[format_]
    for start in range(0, archive.count, per_file):
        part = folder / f"part-{start // PER_FOLDER:04d}"
        part.mkdir(parents=True, exist_ok=True)
        numbers = range(start, min(start + per_file, archive.count))
        (part / f"{start:06d}.{extension}").write_text(write(archive, numbers),
                                                      encoding="utf-8")


def _kicker_and_body(archive, number):
    first, paragraphs, _ = archive.story(number)
    return (first if first in KICKERS else "Africa"), paragraphs


def _html_paragraphs(paragraphs):
    return "".join(f"<p>{escape(paragraph)}</p>" for paragraph in paragraphs)


def _rss(archive, numbers):
    _, name, _, _, language = archive.source(numbers[0])
    items = []
    for number in numbers:
        kicker, paragraphs = _kicker_and_body(archive, number)
        items.append(
            f"<item><title>{xml_escape(archive.headline(number))}</title>"
            f"<link>{archive.url(number)}</link>"
            f'<guid isPermaLink="true">{archive.url(number)}</guid>'
            f"<pubDate>{archive.published(number):%a, %d %b %Y %H:%M:%S +0000}</pubDate>"
            f"<category>{xml_escape(kicker)}</category>"
            f"<description>{xml_escape(paragraphs[0])}</description>"
            f"<content:encoded><![CDATA[{_html_paragraphs(paragraphs)}]]></content:encoded>"
            "</item>")
    return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
            f"<title>{xml_escape(name)}</title><link>https://news.example.com/</link>"
            f"<description>{xml_escape(name)}</description><language>{language}</language>"
            f"{''.join(items)}</channel></rss>\n")


def _atom(archive, numbers):
    _, name, _, _, language = archive.source(numbers[0])
    entries = []
    for number in numbers:
        kicker, paragraphs = _kicker_and_body(archive, number)
        when = f"{archive.published(number):%Y-%m-%dT%H:%M:%SZ}"
        entries.append(
            f"<entry><title>{xml_escape(archive.headline(number))}</title>"
            f'<link rel="alternate" href="{archive.url(number)}"/>'
            f"<id>{archive.url(number)}</id><published>{when}</published>"
            f"<updated>{when}</updated>"
            f'<category term="{xml_escape(kicker, {chr(34): "&quot;"})}"/>'
            f'<content type="html">{xml_escape(_html_paragraphs(paragraphs))}</content>'
            "</entry>")
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{language}">'
            f"<title>{xml_escape(name)}</title><id>https://news.example.com/</id>"
            f"<updated>{archive.published(numbers[-1]):%Y-%m-%dT%H:%M:%SZ}</updated>"
            f"{''.join(entries)}</feed>\n")


def _ninjs(archive, numbers):
    (number,) = numbers
    _, name, _, _, language = archive.source(number)
    kicker, paragraphs = _kicker_and_body(archive, number)
    return json.dumps({
        "$schema": "http://www.iptc.org/std/ninjs/ninjs-schema_2.0.json",
        "uri": archive.url(number), "type": "text", "language": language,
        "versioncreated": f"{archive.published(number):%Y-%m-%dT%H:%M:%SZ}",
        "headlines": [{"value": archive.headline(number)}],
        "bodies": [{"role": "main", "contenttype": "text/plain",
                    "value": "\n\n".join(paragraphs)}],
        "copyrightholder": name,
        "subjects": [{"name": kicker}],
    }, ensure_ascii=False, indent=1) + "\n"


def _page(archive, numbers):
    (number,) = numbers
    _, name, _, _, language = archive.source(number)
    kicker, paragraphs = _kicker_and_body(archive, number)
    headline = escape(archive.headline(number))
    related = "".join(f'<li><a href="{archive.url(other)}">{escape(archive.headline(other))}'
                      "</a></li>" for other in archive.others(number))
    middle = len(paragraphs) // 2
    return (
        f'<!DOCTYPE html>\n<html lang="{language}"><head><meta charset="utf-8">'
        f"<title>{headline} | {escape(name)}</title>"
        f'<link rel="canonical" href="{archive.url(number)}">'
        f'<meta property="og:title" content="{headline}">'
        f'<meta property="og:site_name" content="{escape(name)}">'
        f'<meta property="article:published_time" '
        f'content="{archive.published(number):%Y-%m-%dT%H:%M:%SZ}">'
        f'<meta property="article:tag" content="{escape(kicker)}"></head><body>'
        '<header><a href="/">Home</a><nav><ul><li><a href="/politics">Politics</a></li>'
        '<li><a href="/economy">Economy</a></li><li><a href="/sport">Sport</a></li></ul></nav>'
        '</header><div class="cookie-banner">We use cookies to improve your experience. '
        '<button>Accept</button></div><main><article>'
        f"<h1>{headline}</h1><p class=\"byline\">By Staff Reporter</p>"
        f"{_html_paragraphs(paragraphs[:middle])}"
        f'<p><strong>Read also:</strong> <a href="{archive.url(number + 1)}">Another story</a>'
        f"</p>{_html_paragraphs(paragraphs[middle:])}"
        '<div class="share">Share on Facebook Share on X</div></article>'
        f'<aside class="related"><h2>Related stories</h2><ul>{related}</ul></aside></main>'
        f"<footer><p>© 2025 {escape(name)}. All rights reserved.</p></footer>"
        "</body></html>\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, help="how many article files")
    parser.add_argument("folder", help="where to write them (created)")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--format", choices=FORMATS, default="text")
    args = parser.parse_args()
    Archive(args.count, args.seed).write(args.folder, args.format)
    print(f"wrote {args.count} articles as {args.format} to {args.folder}")


if __name__ == "__main__":
    main()
