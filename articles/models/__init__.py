"""The app's models, a module a subject; each is imported from here (`articles.models`)."""

# isort: off
# Articles first: the modules of their parts import Article, and it imports them once defined.
from .articles import (
    CARD_FIELDS,
    COMMON_COUNTRY,
    Article,
    ArticleQuerySet,
    Correction,
    Source,
    TaggedArticle,
)
# isort: on
from ..polled_feeds import Feed
from ..publication import is_published, published_q
from .about import ArticleCountry, CitedOutlet, CitedOutletQuerySet
from .jobs import ImportJob, ImportJobEntry
from .links import SIDEBAR_FIELDS, RelatedLink, RelatedLinkQuerySet
from .stories import Story, StoryEvidence, StoryQuerySet
from .versions import ImportedOriginal, PendingVersion, PendingVersionQuerySet

__all__ = [
    "CARD_FIELDS", "COMMON_COUNTRY", "SIDEBAR_FIELDS", "Article", "ArticleCountry",
    "ArticleQuerySet", "CitedOutlet", "CitedOutletQuerySet", "Correction", "Feed", "ImportJob",
    "ImportJobEntry", "ImportedOriginal", "PendingVersion", "PendingVersionQuerySet",
    "RelatedLink", "RelatedLinkQuerySet", "Source", "Story", "StoryEvidence", "StoryQuerySet",
    "TaggedArticle", "is_published",
    "published_q",
]
