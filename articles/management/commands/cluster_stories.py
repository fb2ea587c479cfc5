"""`manage.py cluster_stories`: group the whole archive into stories again (articles.stories),
keeping the editors' decisions."""

from django.core.management.base import BaseCommand, CommandError

from articles import stories
from articles.models import Article, Story


class Command(BaseCommand):
    help = ("Group every article again into the stories it reports, oldest first, across "
            "sources and languages. Articles an editor detached or merged stay where they are. "
            "Each batch of articles is one transaction.")

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=stories.BATCH_SIZE, metavar="N",
                            help=f"Articles per batch (default {stories.BATCH_SIZE}).")

    def handle(self, *args, batch_size, verbosity, **options):
        if not 1 <= batch_size <= stories.MAX_BATCH_SIZE:
            raise CommandError(f"--batch-size must be from 1 to {stories.MAX_BATCH_SIZE:,}.")

        def progress(outcome):
            if verbosity >= 2:
                self.stdout.write(f"{outcome.grouped:,} articles grouped")

        outcome = stories.recompute(batch_size=batch_size, on_batch=progress)
        grouped = Article.objects.filter(story__isnull=False).count()
        count = Story.objects.count()
        self.stdout.write(self.style.SUCCESS(
            f"Grouped {outcome.grouped:,} article{'' if outcome.grouped == 1 else 's'}: "
            f"{grouped:,} in {count:,} stor{'y' if count == 1 else 'ies'}, the others alone."))
