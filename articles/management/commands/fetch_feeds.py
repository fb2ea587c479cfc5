"""`manage.py fetch_feeds [--all] [FEED_ID ...]`: a thin shell over articles.polling."""

from django.core.management.base import BaseCommand, CommandError

from articles import polling


class Command(BaseCommand):
    help = (
        "Fetch the feeds that are due (polled by URL, see the desk's Feeds) with a conditional "
        "GET and import what changed. A feed's errors are kept on it and printed, never "
        "raised: the exit status is 1 only for a feed id that does not exist."
    )

    def add_arguments(self, parser):
        parser.add_argument("feed_ids", nargs="*", type=int, metavar="FEED_ID",
                            help="Fetch these feeds now, due or not, active or not.")
        parser.add_argument("--all", action="store_true", dest="every",
                            help="Fetch every active feed now, due or not.")

    def handle(self, *args, feed_ids, every, **options):
        if feed_ids and every:
            raise CommandError("Give feed ids or --all, not both.")
        try:
            outcomes = polling.fetch_feeds(feed_ids or None, every=every)
        except polling.UnknownFeeds as error:
            raise CommandError(f"{str(error).capitalize()}: nothing fetched.") from error
        for outcome in outcomes:
            self.stdout.write(str(outcome))
        if not outcomes:
            self.stdout.write("No feed is due." if not every else "No active feed.")
