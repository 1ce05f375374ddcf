from django.core.management.base import BaseCommand
from django.db import transaction

from portal import demo, registry


class Command(BaseCommand):
    help = "Create the demo accounts and content. Safe to run again: nothing is duplicated."

    def handle(self, *args, **options):
        with transaction.atomic():
            world = demo.seed()
            # Each app registers its `seed(world)` in AppConfig.ready(); they run in the order of INSTALLED_APPS.
            for seed in registry.demo_seeders():
                seed(world)
        self.stdout.write(self.style.SUCCESS(f"Demo data is in place. Accounts (password {demo.DEMO_PASSWORD}):"))
        for email, *_ in demo.USERS:
            self.stdout.write(f"  {email}")
