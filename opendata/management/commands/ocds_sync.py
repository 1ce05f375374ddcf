from django.core.management.base import BaseCommand

from opendata import ocds_services


class Command(BaseCommand):
    help = (
        "Store a new OCDS release for every published need whose public facts changed since its latest release "
        "(what beat does every five minutes). Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--need", type=int, action="append", help="Only this need (may be repeated).")

    def handle(self, *args, need=None, **options):
        stored = ocds_services.sync_releases(need_ids=need)
        self.stdout.write(f"{stored} OCDS release(s) stored.")
