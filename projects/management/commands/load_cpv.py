from django.core.management.base import BaseCommand, CommandError

from projects.cpv import load_cpv_file, swedish_path_for


class Command(BaseCommand):
    help = (
        'Load CPV codes from a JSON object of "XXXXXXXX-Y": English label (e.g. ../shared/data/cpv_en.json) and '
        "their Swedish labels from --sv, or from cpv_sv.json beside the file. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--sv", dest="sv_path", help="Swedish labels (default: cpv_sv.json beside path)")

    def handle(self, *args, path, sv_path=None, **options):
        sv_path = sv_path or swedish_path_for(path)
        try:
            result = load_cpv_file(path, sv_path)
        except ValueError as error:
            raise CommandError(f"Cannot read {error}") from None
        source = f"{path} and {sv_path}" if sv_path else path
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {result.loaded} CPV codes from {source}: {result.created} new, {result.updated} updated, "
                f"{result.unchanged} unchanged."
            )
        )
        if result.skipped:
            self.stdout.write(
                f"Skipped {len(result.skipped)} entries that are not CPV codes: {', '.join(result.skipped[:20])}"
            )
