from django.core.management.base import BaseCommand
from django.db import transaction

from portal import demo
from portal.extensions import optional_module

# Each app may contribute `<app>/demo.py` with `seed(world)`; they run in this order.
APP_SEEDERS = ["projects", "checks", "webinars"]


class Command(BaseCommand):
    help = "Create the demo accounts and content. Safe to run again: nothing is duplicated."

    def handle(self, *args, **options):
        with transaction.atomic():
            world = demo.seed()
            for app in APP_SEEDERS:
                module = optional_module(app, "demo")
                if module is not None:
                    module.seed(world)
        self.stdout.write(self.style.SUCCESS(f"Demo data is in place. Accounts (password {demo.DEMO_PASSWORD}):"))
        for email, *_ in demo.USERS:
            self.stdout.write(f"  {email}")
