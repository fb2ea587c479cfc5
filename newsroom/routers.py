"""Database routing: the page cache's table in a database of its own (see settings.base)."""

CACHE_DATABASE = "cache"
# The label Django's database cache gives its table's model (django.core.cache.backends.db).
CACHE_APP_LABEL = "django_cache"


class CacheRouter:
    def db_for_read(self, model, **hints):
        if model._meta.app_label == CACHE_APP_LABEL:
            return CACHE_DATABASE
        return None

    db_for_write = db_for_read

    def allow_migrate(self, db, app_label, **hints):
        if db == CACHE_DATABASE or app_label == CACHE_APP_LABEL:
            return db == CACHE_DATABASE and app_label == CACHE_APP_LABEL
        return None
