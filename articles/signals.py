"""What readers see changed: one signal, sent for every write that changes a public page.

`content_changed` carries the ids of the articles, sources, tags and stories a write touched
(any may be left out). Saves and deletes through the ORM send it from articles.receivers; writes
that send no model signals (the import's bulk inserts, QuerySet.update()) send it themselves.
The page cache listens (articles.cache); nothing that sends it knows of the cache.
"""

from django.dispatch import Signal

# sender, articles=ids, sources=ids, tags=ids, stories=ids; or everything=True for a change
# touching more than MAX_NAMED of them (an archive's links resolved), which no page cache would
# name one by one
content_changed = Signal()
MAX_NAMED = 200
