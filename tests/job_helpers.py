"""What the background-import tests share: uploads, people, and a database that processes
started by a test (a worker, a web server) see as the test does."""

import io
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
import zipfile
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
IMPORT = "/admin/articles/article/import/"
JOBS = "/admin/articles/importjob/"
SEED_NAMES = ("000_0c50d9fd883dd018.txt", "003_3a914f44e5e3521d.txt", "manifest.toml")


def job_page(pk):
    return f"{JOBS}{pk}/change/"


def progress_url(pk):
    return f"{JOBS}{pk}/progress/"


def staff(username, group=None, *, may_import=False, password=None):
    user = get_user_model().objects.create_user(username, f"{username}@example.com",
                                                password=password, is_staff=True)
    if group:
        user.groups.add(Group.objects.get(name=group))
    if may_import:
        user.user_permissions.add(Permission.objects.get(
            codename="import_articles", content_type__app_label="articles"))
    return user


def archive(count, *, prefix="story"):
    """A zip of `count` small article files and their manifest (one source, a headline and
    URL each, published), as bytes."""
    buffer = io.BytesIO()
    lines = ['[[source]]', 'key = "wire"', 'name = "Job Wire"', ""]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        for number in range(count):
            name = f"{prefix}-{number:05d}.txt"
            zipped.writestr(name, textwrap.dedent(f"""\
                Kicker {number % 7}
                Story {prefix} {number} opens with a lead about the harvest in region {number}.
                A second paragraph of story {number}, with a little more to say.
                """))
            lines += ["[[article]]", f'file = "{name}"', 'source = "wire"',
                      f'headline = "Story {prefix} {number} headline"',
                      f'url = "https://example.com/{prefix}/{number}"', 'status = "published"',
                      ""]
        zipped.writestr("manifest.toml", "\n".join(lines))
    return buffer.getvalue()


class SharedDatabase:
    """The test's database as other processes reach it: `env` for them, `rows(sql)` for the
    test. PostgreSQL: the test database itself (the test must not hold a transaction open).
    SQLite: the suite's is in memory, so a migrated file of its own."""

    def __init__(self, request, tmp_path):
        self.jobs_dir = tmp_path / "jobs"
        if connection.vendor == "postgresql":
            request.getfixturevalue("transactional_db")
            url = urlsplit(os.environ["DATABASE_URL"])
            url = urlunsplit(url._replace(path=f"/{connection.settings_dict['NAME']}"))
            self.path = None
        else:
            self.path = tmp_path / "shared.sqlite3"
            shutil.copy(request.getfixturevalue("migrated_sqlite"), self.path)
            url = f"sqlite:///{self.path}"
        self.env = {**os.environ, "DATABASE_URL": url,
                    "DJANGO_SETTINGS_MODULE": "newsroom.settings.test",
                    "IMPORT_JOBS": "background", "IMPORT_JOBS_DIR": str(self.jobs_dir)}

    def use_settings(self, lines):
        """Run the processes with the test settings plus these lines (a module of its own)."""
        module = self.jobs_dir.parent / "shared_settings.py"
        module.write_text("from newsroom.settings.test import *  # noqa: F403\n"
                          + textwrap.dedent(lines))
        self.env["PYTHONPATH"] = str(module.parent)
        self.env["DJANGO_SETTINGS_MODULE"] = "shared_settings"

    def rows(self, sql):
        if self.path is None:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchall()
        with closing(sqlite3.connect(self.path, timeout=20)) as db:
            return db.execute(sql).fetchall()

    def value(self, sql):
        return self.rows(sql)[0][0]

    def manage(self, *args, timeout=120):
        """Run manage.py with these arguments against the shared database; its output."""
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=timeout, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def start(self, *args):
        """manage.py with these arguments, running in the background."""
        return subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def queue(self, zip_path, *, username="chief"):
        """Queue the import of a zip as a superuser (made if missing), as the import page does;
        the job's id."""
        code = textwrap.dedent(f"""\
            from django.contrib.auth import get_user_model
            from articles import jobs
            from articles.ingest.uploads import Upload
            User = get_user_model()
            user = User.objects.filter(username={username!r}).first()
            if user is None:
                user = User.objects.create_superuser({username!r}, "c@example.com", None)
            data = open({str(zip_path)!r}, "rb").read()
            print(jobs.start_import([Upload("archive.zip", data)], user, publish=True).pk)
            """)
        return int(self.manage("shell", "-c", code).split()[-1])

    def wait_for(self, sql, condition, timeout=60, process=None):
        """Poll `sql`'s value until `condition(value)`; the value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.value(sql)
            if condition(value):
                return value
            if process is not None and process.poll() is not None:
                raise AssertionError(f"the process ended ({process.returncode}): "
                                     f"{process.stderr.read()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{sql} still {value!r} after {timeout} s")
            time.sleep(0.05)
