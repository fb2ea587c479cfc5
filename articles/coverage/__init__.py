"""Which articles report the same event, across outlets and languages: pure Python, no Django.
articles.stories keeps the groups as Story rows.

features.evidence() reads what an article says of its event (terms, names, figures, countries,
time, a MinHash signature); grouping.Grouper places each article, in time order, with the best
match among the articles before it (see grouping's docstring for the method).
"""

from .features import Evidence, evidence
from .grouping import Grouper, Match, score

__all__ = ["Evidence", "Grouper", "Match", "evidence", "score"]
