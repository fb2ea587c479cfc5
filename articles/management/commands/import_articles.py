"""`manage.py import_articles PATH [PATH ...]`: a thin shell over articles.ingest.importer."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from articles.ingest.files import MAX_FILES, TooManyFiles
from articles.ingest.importer import ImportStopped, NothingToImport, import_paths
from articles.ingest.report import FAILED


class Command(BaseCommand):
    help = (
        "Import article files from files and folders (recursively), by extension: scraped text "
        "(.txt), RSS and Atom feeds (.rss, .atom, .xml: an article per item), IPTC NINJS "
        "(.json) and saved article pages (.html, .htm). A folder's manifest.toml supplies "
        "headlines, sources, URLs and times. Safe to run again: known "
        "articles are updated only where no editor changed them, and never once published "
        "(their new version is held for an editor)."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="Files or folders.")
        parser.add_argument(
            "--source", metavar="NAME",
            help="Source (publication) for files the manifest does not cover, before the one a "
                 "feed, NINJS item or page names; created if new.",
        )
        parser.add_argument(
            "--publish", action="store_true",
            help="Publish new articles now (unless their manifest says otherwise). Articles "
                 "whose headline had to be proposed stay drafts for an editor.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Parse and report; write nothing."
        )
        parser.add_argument(
            "--max-files", type=int, default=MAX_FILES, metavar="N",
            help=f"Refuse to start on more than N files (default {MAX_FILES:,}).",
        )

    def handle(self, *args, paths, source, publish, dry_run, max_files, verbosity, **options):
        progress = None

        def on_total(total):
            nonlocal progress
            if self.stdout.isatty() and verbosity > 0:
                progress = tqdm(total=total, unit="file", file=self.stderr)

        def on_result(result):
            if progress:
                if progress.n >= progress.total:  # a feed's items: one line of the report each
                    progress.total = progress.n + 1
                progress.update()
            if verbosity > 1:
                # A failure's reason is in the report on stderr, with its line.
                reason = f" — {result.reason}" if result.reason and result.status != FAILED else ""
                self.stdout.write(f"{result.name}: {result.status}{reason}")

        try:
            # Only failures, skips, held files and warnings are kept: an archive of any size
            # fits.
            report = import_paths(paths, source_name=source, publish=publish, dry_run=dry_run,
                                  max_files=max_files, on_total=on_total, on_result=on_result,
                                  keep_results=False)
        except (TooManyFiles, NothingToImport, ImportStopped) as error:
            raise CommandError(str(error)) from error
        finally:
            if progress:
                progress.close()

        for result in report.skipped:
            self.stdout.write(self.style.WARNING(f"skipped {result}"))
        for result in report.held:
            self.stdout.write(self.style.WARNING(f"held {result}"))
        for result in report.failures:
            self.stderr.write(self.style.ERROR(f"failed {result}"))
        # Warnings do not change the exit status: the files were imported (or left out, when a
        # manifest names a file that is not there).
        for warning in report.warnings:
            self.stderr.write(self.style.WARNING(f"warning {warning}"))
        style = self.style.SUCCESS if report.ok else self.style.ERROR
        self.stdout.write(style(report.summary()))
        if not report.ok:
            raise CommandError(f"{len(report.failures)} of {report.files} files failed.",
                               returncode=1)
