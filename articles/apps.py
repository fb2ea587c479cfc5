from django.apps import AppConfig
from django.core.management import call_command
from django.db import connections
from django.db.models.signals import post_migrate


def create_cache_tables(**kwargs):
    """The database cache's table (the default page cache), made by every `migrate`, so a new
    site needs no extra step."""
    for alias in connections:
        call_command("createcachetable", database=alias, verbosity=0)


def ensure_search_index(using="default", **kwargs):
    from .search import install_sqlite_index

    install_sqlite_index(connections[using])


def ensure_roles(using="default", **kwargs):
    from .roles import ensure_roles

    ensure_roles(using=using)


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Newsroom"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Connects the receivers: model signals to content_changed, content_changed to the
        # cache, the slug rule to new tags, and saved articles to what they are about and to
        # their stories.
        from . import about, cache, receivers, revisions, slugs, stories  # noqa: F401

        revisions.register()

        post_migrate.connect(create_cache_tables, sender=self)
        post_migrate.connect(ensure_roles, sender=self)
        post_migrate.connect(ensure_search_index, sender=self)
