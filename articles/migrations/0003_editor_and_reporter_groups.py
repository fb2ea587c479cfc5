"""The newsroom's two roles. Editors publish; reporters write and submit for review."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Editor": {
        "articles": {
            "article": ["add", "change", "delete", "view", "publish", "import"],
            "relatedlink": ["add", "change", "delete", "view"],
            "correction": ["add", "change", "delete", "view"],
            "source": ["add", "change", "delete", "view"],
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
CUSTOM = {"publish": "publish_article", "import": "import_articles"}


def create_roles(apps, schema_editor):
    # Permissions are normally made after all migrations; this migration needs them now.
    for label in ("articles", "taggit"):
        config = apps.get_app_config(label)
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, grants in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, models in grants.items():
            for model, actions in models.items():
                codenames = [CUSTOM.get(action, f"{action}_{model}") for action in actions]
                group.permissions.add(*Permission.objects.filter(
                    content_type__app_label=app_label, codename__in=codenames
                ))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_workflow_and_corrections"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
