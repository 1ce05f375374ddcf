"""Question moderation: a question arrives pending and the buyer publishes or rejects it. Questions answered
before moderation existed were already shown to everyone: they become published (at their answer's time);
unanswered ones become pending. Every question's public wording starts as its original wording."""

from django.conf import settings
from django.db import migrations, models


def moderate_existing(apps, schema_editor):
    Question = apps.get_model("projects", "Question")
    Question.objects.filter(public_text="").update(public_text=models.F("text"))
    Question.objects.filter(answered_at__isnull=False).exclude(answer="").update(
        status="published", published_at=models.F("answered_at")
    )
    Question.objects.exclude(answered_at__isnull=False, answer__gt="").update(status="pending")


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0008_mail_sending"),
        ("projects", "0012_responses"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="question",
            name="corrected_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="corrected"),
        ),
        migrations.AddField(
            model_name="question",
            name="earlier_answers",
            field=models.JSONField(blank=True, default=list, verbose_name="earlier answers"),
        ),
        migrations.AddField(
            model_name="question",
            name="public_text",
            field=models.TextField(
                blank=True,
                help_text="The question as it is published. Remove anything that tells who asked.",
                max_length=2000,
                verbose_name="public wording",
            ),
        ),
        migrations.AddField(
            model_name="question",
            name="published_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="published"),
        ),
        migrations.AddField(
            model_name="question",
            name="reject_reason",
            field=models.TextField(blank=True, verbose_name="reason for rejecting"),
        ),
        migrations.AddField(
            model_name="question",
            name="rejected_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="rejected"),
        ),
        migrations.AddField(
            model_name="question",
            name="status",
            field=models.CharField(
                choices=[("pending", "Awaiting moderation"), ("published", "Published"), ("rejected", "Rejected")],
                default="pending",
                max_length=20,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="question",
            name="text",
            field=models.TextField(max_length=2000, verbose_name="question"),
        ),
        migrations.AddIndex(
            model_name="question",
            index=models.Index(fields=["call", "status"], name="question_call_status"),
        ),
        migrations.RunPython(moderate_existing, migrations.RunPython.noop),
    ]
