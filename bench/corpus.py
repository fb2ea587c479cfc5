"""Write a realistic, deterministic archive of scraped article files.

    python bench/corpus.py N DIR [--seed S]

N files in both seed layouts (related videos / related stories), in folders of 1,000 with a
manifest.toml each (sources, headlines, URLs, times). Sidebars name other generated articles:
video titles are their headlines and story teasers are the starts of their leads, so link
resolution is exercised at scale. Pure Python: no Django needed.
"""

import argparse
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

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

    def text(self, number):
        rng = self.random
        first = rng.choice(KICKERS) if rng.random() < 0.6 else (
            f"{rng.choice(SUBJECTS).capitalize()} in {rng.choice(PLACES)}")
        lines = [first, self.lead(number)]
        lines += [self.paragraph() for _ in range(rng.randint(3, 11))]
        if number % 2 == 0:
            for other in self.others(number):
                roll = rng.random()
                badge = ("Go to video" if roll < 0.35 else
                         f"{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}" if roll < 0.95 else
                         f"{rng.randint(1, 2)}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}")
                lines += [badge, self.headline(other)]
        else:
            for other in self.others(number):
                if rng.random() < 0.1:
                    lines.append(rng.choice(FRENCH)[:80].rstrip() + "…")
                else:
                    lead = self.lead(other)
                    lines.append(lead[:90].rsplit(" ", 1)[0] + "…")
        return "\n".join(lines) + "\n"

    def write(self, folder):
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
                    f'source = "{SOURCES[number % len(SOURCES)][0]}"',
                    f'headline = "{self.headline(number)}"',
                    f'url = "https://news.example.com/{number}"',
                    f"published = {self.published(number):%Y-%m-%dT%H:%M:%SZ}",
                    'status = "published"', "",
                ]
            (part / "manifest.toml").write_text("\n".join(manifest), encoding="utf-8")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, help="how many article files")
    parser.add_argument("folder", help="where to write them (created)")
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()
    Archive(args.count, args.seed).write(args.folder)
    print(f"wrote {args.count} files to {args.folder}")


if __name__ == "__main__":
    main()
