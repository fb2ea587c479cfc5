"""`manage.py load_demo`: a newcomer's populated site: the seeds imported and a local admin user."""

import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from articles.ingest.importer import import_paths

DEMO_USERNAME = "admin"


class Command(BaseCommand):
    help = ("Import seeds/ (published) and, on a development machine, create the admin user "
            "'admin' with the password in DEMO_ADMIN_PASSWORD (default 'admin').")

    def handle(self, *args, **options):
        report = import_paths([settings.BASE_DIR / "seeds"], publish=True)
        self.stdout.write(report.summary())
        for failure in report.failures:
            self.stderr.write(self.style.ERROR(str(failure)))
        if not report.ok:
            raise CommandError("The seeds did not import cleanly.")

        if not settings.DEBUG:
            self.stdout.write("DEBUG is off: no demo admin user created.")
            return
        password = os.environ.get("DEMO_ADMIN_PASSWORD", "admin")
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=DEMO_USERNAME, defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            user.set_password(password)
            user.save()
            self.stdout.write(self.style.SUCCESS(
                f"Admin login: {DEMO_USERNAME} / {password} (the site's /admin/ page)"
            ))
        else:
            self.stdout.write(f"Admin user '{DEMO_USERNAME}' already exists; password unchanged.")
