"""What articles are about, as rows: their countries (ArticleCountry) and the outlets they cite
(CitedOutlet, with our source of that name), from articles.aboutness's reading of their text.

Three entry points keep them in step with the text, each a batch at a time: the import's bulk
create (writer.ArticleWriter.create, which sends no model signals), every save of an article
through the ORM (the desk, a restore, an accepted version, the import's update: the receiver
below), and `manage.py analyse_articles` for an archive imported before them (recompute()).
"""

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.db.models.signals import post_save
from django.dispatch import receiver

from . import aboutness
from .ingest import bulk
from .models import Article, ArticleCountry, CitedOutlet, Source
from .signals import MAX_NAMED, content_changed

# The fields the analysis reads: a save that writes none of them (a workflow step) leaves the
# rows as they are. The source decides which outlet is the article's own.
TEXT_FIELDS = frozenset({"headline", "kicker", "image_caption", "body", "language", "source"})
BATCH_SIZE = 500  # articles recomputed together by recompute()


def analysis_of(article):
    """aboutness.analyse of an Article's text (an About). The import's new articles are read
    from their parsed files instead (ParsedArticle.about), in its parse workers."""
    return aboutness.analyse(article.headline, article.body, kicker=article.kicker,
                             image_caption=article.image_caption, language=article.language)


def page_fields(about):
    """The Article fields that say what `about` (an About) holds, for its page."""
    return {"country_codes": " ".join(about.countries), "cites_outlets": bool(about.cited)}


def insert(items, *, fields_written=False):
    """Write the rows of articles that have none: `items` are (article pk, its source's pk,
    About). The outlets' sources are looked up in one query; an outlet that is the article's
    own source is not shown as cited. The articles' page_fields() follow, unless the caller
    wrote them with the articles (`fields_written`)."""
    items = list(items)
    if not fields_written:
        Article.objects.bulk_update(
            [Article(pk=pk, **page_fields(about)) for pk, _, about in items],
            ["country_codes", "cites_outlets"], batch_size=BATCH_SIZE)
    sources = sources_for({name for _, _, about in items for name in about.cited})
    bulk.insert_rows(ArticleCountry, [
        {"article_id": pk, "code": code, "position": position}
        for pk, _, about in items for position, code in enumerate(about.countries)
    ])
    cited = []
    for pk, own_source, about in items:
        names = [name for name in about.cited
                 if sources.get(name) is None or sources[name] != own_source]
        cited.extend({"article_id": pk, "name": name, "source_id": sources.get(name),
                      "position": position} for position, name in enumerate(names))
    bulk.insert_rows(CitedOutlet, cited)


def replace(articles):
    """Analyse `articles` (Article instances) again and replace their rows."""
    articles = list(articles)
    if not articles:
        return
    keys = [article.pk for article in articles]
    items = [_analysed(article) for article in articles]
    with transaction.atomic():
        ArticleCountry.objects.filter(article__in=keys).delete()
        CitedOutlet.objects.filter(article__in=keys).delete()
        insert(items)


def _analysed(article):
    """(pk, source pk, About) of `article`, whose page_fields() are set to match."""
    what = analysis_of(article)
    for name, value in page_fields(what).items():
        setattr(article, name, value)  # the instance says what its row now says
    return article.pk, article.source_id, what


def recompute(batch_size=BATCH_SIZE, on_batch=None):
    """Analyse every article again, `batch_size` at a time in key order, each batch in its own
    transaction (the desk and imports wait for one batch at most); `on_batch(done)` hears of
    each. Returns how many articles it analysed."""
    done, last = 0, 0
    fields = ("source", "headline", "kicker", "image_caption", "body", "language")
    while True:
        batch = list(Article.objects.filter(pk__gt=last).order_by("pk").only(*fields)
                     [:batch_size])
        if not batch:
            break
        replace(batch)
        done += len(batch)
        last = batch[-1].pk
        if on_batch:
            on_batch(done)
    if done:
        # Every article page may show other countries now.
        content_changed.send(sender=CitedOutlet, everything=True)
    return done


def sources_for(outlets):
    """{outlet's name: the pk of our source that is it} for `outlets` (names of known outlets):
    a source is an outlet when its name is one of the outlet's names, in any case. Where two
    sources are the same outlet, the one with the outlet's own name wins, then the oldest."""
    if not outlets:
        return {}
    wanted = {written.casefold(): outlet for outlet in outlets
              for written in aboutness.known_outlet_names(outlet)}
    # Exact names too: SQLite's LOWER() folds ASCII only ("Wakat Séra").
    found = (Source.objects.annotate(folded=Lower("name"))
             .filter(Q(folded__in=[name.lower() for name in wanted]) | Q(name__in=wanted.values()))
             .order_by("pk").values_list("pk", "name"))
    best = {}
    for pk, name in found:
        outlet = wanted.get(name.casefold())
        if outlet is None:
            continue
        exact = name.casefold() == outlet.casefold()
        if outlet not in best or (exact and not best[outlet][1]):
            best[outlet] = (pk, exact)
    return {outlet: pk for outlet, (pk, _) in best.items()}


def link_source(source, created=False):
    """Point the citations of the outlet `source` is (by its name) at it, and unpoint those of
    an outlet it no longer is: a source created or renamed after the articles citing it."""
    outlet = aboutness.outlet_named(source.name)
    if created and not outlet:
        return  # no article cites it yet
    stale = CitedOutlet.objects.filter(source=source)
    if outlet:
        stale = stale.exclude(name=outlet)
    changed = set(stale.values_list("article_id", flat=True)[:MAX_NAMED + 1])
    stale.update(source=None)
    if outlet and sources_for([outlet]).get(outlet) == source.pk:
        linked = CitedOutlet.objects.filter(name=outlet, source=None).exclude(
            article__source=source)
        changed |= set(linked.values_list("article_id", flat=True)[:MAX_NAMED + 1])
        linked.update(source=source)
    if changed:
        # An update sends no model signals: the pages naming these outlets now link elsewhere.
        many = len(changed) > MAX_NAMED
        content_changed.send(sender=CitedOutlet, articles=() if many else changed,
                             everything=many)


@receiver(post_save, sender=Article)
def article_saved(sender, instance, created=False, update_fields=None, raw=False, **kwargs):
    """Every save through the ORM that writes the text: its rows follow. (A fixture's load,
    `raw`, is left to `manage.py analyse_articles`.)"""
    if raw or (update_fields is not None and not TEXT_FIELDS & set(update_fields)):
        return
    if created:
        insert([_analysed(instance)])
    else:
        replace([instance])


@receiver(post_save, sender=Source)
def source_saved(sender, instance, created=False, raw=False, **kwargs):
    if not raw:
        link_source(instance, created)
