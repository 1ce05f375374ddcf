"""`Application.waiting_since`, stored and indexed (the handler queue's days waiting, "overdue" tab and sort), filled
for the applications there are from their state history: the applicant's last move (submitting, sending a
completion back, submitting the final report), or the submission time when the history has none."""

from django.db import migrations, models
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

# As Application.is_applicant_move (a migration does not import the app's code, which may change).
APPLICANT_MOVES = Q(to_state__in=["submitted", "final_report_submitted"]) | Q(from_state="completion_requested")


def fill_waiting_since(apps, schema_editor):
    Application = apps.get_model("checks", "Application")
    StateChange = apps.get_model("checks", "StateChange")
    last_move = (
        StateChange.objects.filter(APPLICANT_MOVES, application=OuterRef("pk"))
        .order_by("-created_at", "-id")
        .values("created_at")[:1]
    )
    Application.objects.exclude(state="draft").update(waiting_since=Coalesce(Subquery(last_move), "submitted_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("checks", "0008_g_notify"),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="waiting_since",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="waiting since"),
        ),
        migrations.AddIndex(
            model_name="application",
            index=models.Index(fields=["waiting_since", "id"], name="application_waiting"),
        ),
        migrations.RunPython(fill_waiting_since, migrations.RunPython.noop),
    ]
