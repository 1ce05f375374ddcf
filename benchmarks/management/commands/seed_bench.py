import json

from django.core.management.base import BaseCommand, CommandError

from benchmarks import seed
from projects.cpv import default_cpv_path, default_cpv_sv_path


class Command(BaseCommand):
    help = (
        "Fill the configured database with a realistic volume for the benchmark (bulk inserts). "
        "At scale 1: 200 public bodies, 2 000 companies, 20 000 needs, 40 000 responses, ... "
        "Does nothing when the benchmark data is already there."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="Multiplies every volume (default 1).")
        parser.add_argument("--cpv", default=None, help="The CPV file (default: $CPV_DATA_FILE or ../shared/data).")

    def handle(self, *args, scale, cpv, **options):
        if scale <= 0:
            raise CommandError("--scale must be above 0.")
        if seed.is_seeded():
            self.stdout.write("The benchmark data is already there; nothing done. Counts:")
            self._print_counts(seed.counts())
            return
        path = cpv or default_cpv_path()
        try:
            mapping = json.loads(open(path, encoding="utf-8").read())
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read the CPV file {path}: {error}") from None
        # The Swedish labels when the file is there (the picker searches both languages).
        try:
            sv_mapping = json.loads(open(default_cpv_sv_path(), encoding="utf-8").read())
        except (OSError, ValueError):
            sv_mapping = None
        self.stdout.write(f"Seeding the benchmark data at scale {scale:g} ...")
        result = seed.seed(scale, cpv_mapping=mapping, cpv_sv_mapping=sv_mapping, stdout=self.stdout)
        self._print_counts(result.counts)
        self.stdout.write(self.style.SUCCESS(f"Done in {result.seconds:.1f} s."))

    def _print_counts(self, counts):
        for name, count in counts.items():
            self.stdout.write(f"  {name:<20} {count:>8}")
