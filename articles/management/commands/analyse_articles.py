"""`manage.py analyse_articles [--batch-size N]`: find again what every article is about (its
countries and cited outlets, articles.about), for an archive imported before they were kept or
after the lists of names changed."""

from django.core.management.base import BaseCommand, CommandError

from articles import about


class Command(BaseCommand):
    help = ("Find again the countries every article is about and the outlets it cites, a batch "
            "of articles at a time (each batch in its own transaction).")

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=about.BATCH_SIZE, metavar="N",
                            help=f"Articles per batch (default {about.BATCH_SIZE}).")

    def handle(self, *args, batch_size, verbosity, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")

        def progress(done):
            if verbosity >= 2:
                self.stdout.write(f"{done:,} articles analysed")

        done = about.recompute(batch_size=batch_size, on_batch=progress)
        self.stdout.write(self.style.SUCCESS(
            f"Analysed {done:,} article{'' if done == 1 else 's'}: their countries and cited "
            "outlets are up to date."))
