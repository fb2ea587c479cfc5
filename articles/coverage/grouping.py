"""Which articles report the same event: a pair's similarity, and the online grouping of
articles in time order against the ones before them.

A pair's evidence depends on its languages. Within one language the text itself speaks: the
cosine of the two articles' terms, weighted by how rare each term is among the articles of the
same days (TF-IDF), with their shared names, figures and countries. Across languages it cannot,
so the evidence that reads alike in every language carries the score: the same people and
places, the same figures, the same countries, and the roots that cognate words share
("ministers", "ministres"). Countries that do not meet at all (a port strike in Durban, another
in Abidjan) cut the score. Only articles within WINDOW of each other are compared, and a story
takes no article more than WINDOW after its first: one event's days, never a chain of events
each like the one before. A near-duplicate (a wire story republished with a new headline)
groups whatever its score, up to NEAR_WINDOW apart.

Articles are never compared pair by pair across the whole archive: the Grouper holds the
articles of a sliding window of time, an inverted index of their rarer features and an LSH
index of their signatures, and compares an article only with the few that share them.
"""

import math
from collections import Counter, defaultdict, deque
from dataclasses import dataclass

DAY = 86400.0
WINDOW = 3 * DAY  # covers of one event are published within this of each other
NEAR_WINDOW = 7 * DAY  # a republished story, within this of the first
NEAR_DUPLICATE = 0.6  # estimated Jaccard of the shingles beyond which two texts are one
ROWS = 4  # signature values per LSH band
SAME_LANGUAGE = 0.25  # the score beyond which two articles report one event, in one language
ACROSS_LANGUAGES = 0.22  # … and in two
MIN_TERMS = 8  # an article of fewer words (a headline-only item) is compared with none
CANDIDATES = 40  # articles compared in full with each new one, those sharing most features
LOOKUPS = 24  # of the new article's rarest features, whose articles are its candidates
COMMON = 0.2  # a feature held by more than this share of the window finds no candidates
MIN_DOCUMENTS = 50  # the rarity of features is judged as if the window held at least these


@dataclass(frozen=True)
class Match:
    """Where an article belongs: with the article `key` (and its story), scoring `score`."""

    key: object
    story: object
    score: float
    near_duplicate: bool = False


class Grouper:
    """Online grouping: `add` the articles already placed, oldest first; `place` finds the best
    match of a new one among them. The window slides forward with the times it is given."""

    def __init__(self, *, window=WINDOW, near_window=NEAR_WINDOW, scorer=None):
        self.window, self.near_window = window, near_window
        self.scorer = scorer or score  # a test may count the comparisons
        self.articles = {}  # key -> (Evidence, story)
        self.order = deque()  # (time, key), oldest first
        self.postings = defaultdict(set)  # feature -> keys
        self.frequency = Counter()  # feature -> articles holding it
        self.bands = defaultdict(set)  # (band, its hash values) -> keys: the LSH index
        self.starts = {}  # story -> the time of its first article held

    def __len__(self):
        return len(self.articles)

    def add(self, key, evidence, story):
        """Hold article `key` (its Evidence, the story it is in, or None)."""
        if key in self.articles:
            self.discard(key)
        self.articles[key] = (evidence, story)
        self._started(story, evidence.time)
        self.order.append((evidence.time, key))
        for feature in _features(evidence):
            self.postings[feature].add(key)
            self.frequency[feature] += 1
        for band in _bands(evidence):
            self.bands[band].add(key)

    def move(self, key, story):
        """Article `key` is in `story` now."""
        evidence, _ = self.articles[key]
        self.articles[key] = (evidence, story)
        self._started(story, evidence.time)

    def _started(self, story, time):
        if story is not None and time < self.starts.get(story, math.inf):
            self.starts[story] = time

    def rename(self, names):
        """Each story held as a key of `names` is its value from now on."""
        if not names:
            return
        for key, (evidence, story) in self.articles.items():
            if story in names:
                self.articles[key] = (evidence, names[story])
        for story, name in names.items():
            if story in self.starts:
                self.starts[name] = self.starts.pop(story)

    def discard(self, key):
        held = self.articles.pop(key, None)
        if held is None:
            return
        evidence, _ = held
        for feature in _features(evidence):
            self.postings[feature].discard(key)
            self.frequency[feature] -= 1
            if not self.frequency[feature]:
                del self.frequency[feature], self.postings[feature]
        for band in _bands(evidence):
            self.bands[band].discard(key)
            if not self.bands[band]:
                del self.bands[band]

    def slide(self, now):
        """Forget the articles older than the near-duplicates' window before `now`."""
        while self.order and self.order[0][0] < now - self.near_window:
            _, key = self.order.popleft()
            if key in self.articles and self.articles[key][0].time < now - self.near_window:
                self.discard(key)

    def place(self, evidence, *, exclude=()):
        """The best Match for a new article among those held (not `exclude`), or None."""
        copies = [key for key in self._near_duplicates(evidence, exclude)
                  if abs(self.articles[key][0].time - evidence.time) <= self.near_window]
        if copies:
            # The latest copy: the story the text was last republished in.
            key = max(copies, key=lambda key: self.articles[key][0].time)
            return Match(key, self.articles[key][1], 1.0, near_duplicate=True)
        best = None
        rarity = self._rarity()
        for key in self._candidates(evidence, exclude):
            held, story = self.articles[key]
            if story is not None and evidence.time - self.starts[story] > self.window:
                continue  # a story is one event's days, not a chain of them
            value = self.scorer(evidence, held, rarity, window=self.window)
            threshold = SAME_LANGUAGE if held.language == evidence.language else ACROSS_LANGUAGES
            if value >= threshold and (best is None or value > best.score):
                best = Match(key, story, value)
        return best

    def _near_duplicates(self, evidence, exclude):
        """Held articles of the same text (estimated Jaccard of the shingles) and the same
        figures, in the same language: at most CANDIDATES of them are checked."""
        if not evidence.signature:
            return []
        found, checked, seen = [], 0, set()
        for key in (key for band in _bands(evidence) for key in self.bands.get(band, ())):
            held = self.articles[key][0]
            if key in seen or key in exclude or held.language != evidence.language:
                continue
            seen.add(key)
            checked += 1
            # Templates (a market report, a weather note) repeat their words and change their
            # figures: another figure is another story.
            if (held.numbers == evidence.numbers
                    and _jaccard(held.signature, evidence.signature) >= NEAR_DUPLICATE):
                found.append(key)
            if checked == CANDIDATES:
                break  # a bucket as big as the window is a template's, not a story's
        return found

    def _candidates(self, evidence, exclude):
        """The held articles within the window sharing most of the new one's rarest features
        (LOOKUPS of them, each held by at most COMMON of the window)."""
        limit = COMMON * max(len(self.articles), MIN_DOCUMENTS)
        frequency = self.frequency
        held = [(frequency[feature], feature) for feature in _features(evidence)
                if 0 < frequency.get(feature, 0) <= limit]
        shared = Counter()
        for _, feature in sorted(held)[:LOOKUPS]:
            shared.update(self.postings[feature])
        found = []
        for key, _ in shared.most_common():
            if key in exclude or abs(self.articles[key][0].time - evidence.time) > self.window:
                continue
            found.append(key)
            if len(found) == CANDIDATES:
                break
        return found

    def _rarity(self):
        """How rare a feature is among the articles held (an IDF), remembered for one
        placement: the window does not move meanwhile."""
        documents = max(len(self.articles), MIN_DOCUMENTS)
        frequency, known = self.frequency, {}

        def rarity(feature):
            value = known.get(feature)
            if value is None:
                value = known[feature] = (
                    math.log((documents + 1) / (frequency.get(feature, 0) + 1)) + 1)
            return value

        return rarity


def score(a, b, rarity, *, window=WINDOW):
    """How surely articles `a` and `b` (Evidence) report one event, from 0 to about 1.
    `rarity(feature)` weighs a feature by how few articles hold it (see _features for the
    features' names)."""
    apart = abs(a.time - b.time)
    if apart > window or len(a.terms) < MIN_TERMS or len(b.terms) < MIN_TERMS:
        return 0.0  # days apart, or too little text to tell one event from another
    names = _overlap(a.names, b.names, lambda name: rarity(("n", name)))
    figures = _overlap(a.numbers, b.numbers, lambda number: rarity(("d", number)))
    countries = _overlap(a.countries, b.countries, lambda code: 1.0)
    if a.language == b.language:
        text = _cosine(a.terms, b.terms, lambda term: rarity(("w", a.language, term)))
        value = 0.6 * text + 0.25 * names + 0.1 * figures + 0.05 * countries
    else:
        roots = _cosine(a.roots, b.roots, lambda root: rarity(("r", root)))
        value = 0.45 * names + 0.2 * figures + 0.1 * countries + 0.25 * roots
    if a.countries and b.countries and not a.countries & b.countries:
        value *= 0.5  # about other countries altogether: another event of the same kind
    return value * (1 - 0.25 * apart / window)


def _features(evidence):
    """What the indexes hold of an article: its terms (within its language), roots, names and
    figures."""
    yield from (("w", evidence.language, term) for term in evidence.terms)
    yield from (("r", root) for root in evidence.roots)
    yield from (("n", name) for name in evidence.names)
    yield from (("d", number) for number in evidence.numbers)


def _overlap(a, b, weight):
    """The weighted share of two sets' features that they hold in common (Dice's)."""
    if not a or not b:
        return 0.0
    shared = sum(weight(feature) for feature in a & b)
    return 2 * shared / (sum(map(weight, a)) + sum(map(weight, b)))


def _cosine(a, b, weight):
    if not a or not b:
        return 0.0
    dot = sum(a[term] * b[term] * weight(term) ** 2 for term in a.keys() & b.keys())
    if not dot:
        return 0.0
    norm_a = math.sqrt(sum((count * weight(term)) ** 2 for term, count in a.items()))
    norm_b = math.sqrt(sum((count * weight(term)) ** 2 for term, count in b.items()))
    return dot / (norm_a * norm_b)


def _jaccard(a, b):
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a)


def _bands(evidence):
    """The LSH bands of an article's signature: two texts whose shingles' Jaccard is J share
    one at least with the probability 1 - (1 - J ** ROWS) ** (PERMUTATIONS / ROWS), near 1 for
    J above NEAR_DUPLICATE and small below half of it."""
    signature = evidence.signature
    return [(start, signature[start:start + ROWS])
            for start in range(0, len(signature) - ROWS + 1, ROWS)]
