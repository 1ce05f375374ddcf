from django.core.management.base import BaseCommand

from portal.outbox import prune_sent, relay_outbox


class Command(BaseCommand):
    help = "Send the queued tasks of the outbox that have not been sent yet, and prune old sent ones."

    def handle(self, *args, **options):
        total = 0
        while sent := relay_outbox():
            total += sent
        pruned = prune_sent()
        self.stdout.write(f"Sent {total} outbox message(s); pruned {pruned}.")
