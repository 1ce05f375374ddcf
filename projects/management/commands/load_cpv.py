from django.core.management.base import BaseCommand, CommandError

from projects.cpv import load_cpv_file


class Command(BaseCommand):
    help = 'Load CPV codes from a JSON object of "XXXXXXXX-Y": label (e.g. ../shared/data/cpv_en.json). Idempotent.'

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        try:
            result = load_cpv_file(path)
        except ValueError as error:
            raise CommandError(f"Cannot read {path}: {error}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {result.loaded} CPV codes from {path}: {result.created} new, {result.updated} updated, "
                f"{result.unchanged} unchanged."
            )
        )
        if result.skipped:
            self.stdout.write(
                f"Skipped {len(result.skipped)} entries that are not CPV codes: {', '.join(result.skipped[:20])}"
            )
