"""`manage.py run_jobs [--once]`: the worker that runs browser imports (articles.jobs) and polls
the feeds on their interval (articles.polling)."""

import signal
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import OperationalError, close_old_connections
from django_tasks_db.utils import is_locked_database_exception

from articles import jobs, polling, stories


class Command(BaseCommand):
    help = (
        "Run queued background jobs (imports uploaded from the browser, the polls of the feeds "
        "on their interval, the grouping of imported articles into stories) until stopped. "
        "First requeues the jobs a stopped worker left unfinished; they go on where they were. "
        "Ctrl-C (SIGINT or SIGTERM) lets the current job finish; a second one stops it, and "
        "the next worker goes on with it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true",
                            help="Run what is queued, then exit.")
        parser.add_argument("--interval", type=float, default=1.0, metavar="SECONDS",
                            help="How often to look for new jobs (default 1).")

    def handle(self, *args, once, interval, verbosity, **options):
        worker = jobs.worker_id()
        # db_worker takes over SIGINT and SIGTERM (the current job finishes, a second signal
        # stops it); a caller in the same process gets its own handlers back.
        handlers = {number: signal.getsignal(number) for number in (signal.SIGINT,
                                                                    signal.SIGTERM)}
        try:
            self._work(once, interval, verbosity, worker)
        finally:
            for number, handler in handlers.items():
                if handler is not None:  # None: set outside Python, not ours to put back
                    signal.signal(number, handler)

    def _work(self, once, interval, verbosity, worker):
        while True:
            for job in jobs.requeue_stalled():
                self.stdout.write(f"{job}: its worker had stopped; "
                                  f"{'failed' if job.state == job.State.FAILED else 'queued again'}"
                                  f" after {job.files_done} of {job.files_total} files.")
            try:
                # Each poll of the feeds queues the next; this starts the chain again if it
                # broke (a worker killed mid-poll, a database restored).
                polling.schedule()
                # Articles left waiting for their story (an archive imported before stories
                # were kept, a grouping cut short) are grouped too.
                stories.schedule()
                # django-tasks-db's worker. Never with --reload (it defaults to DEBUG): a code
                # change would kill an import half-way.
                call_command("db_worker", batch=once, reload=False, startup_delay=False,
                             interval=interval, worker_id=worker, verbosity=verbosity,
                             stdout=self.stdout, stderr=self.stderr)
                return
            except OperationalError as error:
                # On SQLite the worker claims a task in a transaction of its own, and dies if
                # another process holds the write lock longer than the database's timeout
                # (BEGIN fails before its own retry). The lock passes: claim again.
                if not is_locked_database_exception(error):
                    raise
                self.stderr.write(f"The database was locked ({error}); trying again.")
                close_old_connections()
                time.sleep(interval)
