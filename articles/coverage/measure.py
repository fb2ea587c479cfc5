"""How well a grouping matches the truth: pairwise precision and recall, for the tests and
bench/stories.py."""

from itertools import combinations

KINDS = ("all", "en-en", "fr-fr", "en-fr")


def pairwise(groups, labels):
    """{kind: (precision, recall, pairs grouped, true pairs)} of `groups` ({name: (story or
    None, language)}) against `labels` ({name: event}), over every pair ("all") and by the
    pair's languages ("en-fr", sorted). A pair is grouped when both are in one story, true when
    both report one event."""
    counts = {}
    for (a, (story_a, lang_a)), (b, (story_b, lang_b)) in combinations(sorted(groups.items()), 2):
        grouped = story_a is not None and story_a == story_b
        same = labels[a] == labels[b]
        for kind in ("all", "-".join(sorted((lang_a, lang_b)))):
            tally = counts.setdefault(kind, [0, 0, 0])  # both, grouped, true
            tally[0] += grouped and same
            tally[1] += grouped
            tally[2] += same
    return {kind: (both / grouped if grouped else 1.0, both / true if true else 1.0, grouped,
                   true) for kind, (both, grouped, true) in counts.items()}
