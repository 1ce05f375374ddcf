from django.core.management.base import BaseCommand

from opendata import ocds_services


class Command(BaseCommand):
    help = (
        "Store a new OCDS release for every published need whose public facts changed since its latest release "
        "(the full sync beat runs nightly; --changed: only the needs written since the previous periodic run, as "
        "beat does every five minutes). Idempotent."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--need", type=int, action="append", help="Only this need (may be repeated).")
        which.add_argument("--all", action="store_true", help="Every published need (the default).")
        which.add_argument("--changed", action="store_true", help="Only what changed since the previous periodic run.")

    def handle(self, *args, need=None, changed=False, **options):
        if changed:
            stored = ocds_services.sync_changed_releases()
        else:
            stored = ocds_services.sync_releases(need_ids=need)
        self.stdout.write(f"{stored} OCDS release(s) stored.")
