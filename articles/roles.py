"""The newsroom's two roles. Editors publish; reporters write and submit for review.

Migration 0003 made them; every `migrate` makes them again if they are missing (a new database
flushed by a test, a group deleted by mistake). A group that exists is left as its admins set it.
"""

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission

ROLES = {
    "Editor": {
        "articles": {
            "article": ["add", "change", "delete", "view", "publish", "import"],
            "relatedlink": ["add", "change", "delete", "view"],
            "correction": ["add", "change", "delete", "view"],
            "source": ["add", "change", "delete", "view"],
            "feed": ["add", "change", "delete", "view"],
        },
        "taggit": {"tag": ["add", "change", "delete", "view"]},
    },
    "Reporter": {
        "articles": {
            "article": ["add", "change", "view"],
            "relatedlink": ["add", "change", "delete", "view"],
            "correction": ["view"],
            "source": ["add", "view"],
        },
        "taggit": {"tag": ["add", "view"]},
    },
}
_CUSTOM = {"publish": "publish_article", "import": "import_articles"}


def ensure_roles(using="default"):
    """Create the groups that are missing, with their permissions."""
    missing = [name for name in ROLES
               if not Group.objects.using(using).filter(name=name).exists()]
    if not missing:
        return
    for label in ("articles", "taggit"):
        create_permissions(apps.get_app_config(label), verbosity=0, using=using)
    for name in missing:
        group = Group.objects.using(using).create(name=name)
        for app_label, models in ROLES[name].items():
            for model, actions in models.items():
                codenames = [_CUSTOM.get(action, f"{action}_{model}") for action in actions]
                group.permissions.add(*Permission.objects.using(using).filter(
                    content_type__app_label=app_label, codename__in=codenames))
