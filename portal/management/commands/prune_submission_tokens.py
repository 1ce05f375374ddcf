from django.core.management.base import BaseCommand

from portal.submission import prune_submission_tokens


class Command(BaseCommand):
    help = "Delete the double-submit guard's tokens older than two days (beat runs it daily)."

    def handle(self, *args, **options):
        deleted = prune_submission_tokens()
        self.stdout.write(f"{deleted} submission tokens deleted.")
