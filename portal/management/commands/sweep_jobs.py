from datetime import timedelta

from django.core.management.base import BaseCommand

from portal.tasks import sweep_lost_jobs


class Command(BaseCommand):
    help = (
        "Queue again the documents and mails whose job was lost (pending past their timeout), e.g. after Redis "
        "restarted empty. Beat runs the same sweep every five minutes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=None,
            metavar="SECONDS",
            help="Treat work pending for this many seconds as lost (default: each kind's own timeout).",
        )

    def handle(self, *args, older_than=None, **options):
        swept = sweep_lost_jobs(older_than=None if older_than is None else timedelta(seconds=older_than))
        self.stdout.write(f"Queued again: {swept['documents']} document job(s), {swept['mails']} mail(s).")
