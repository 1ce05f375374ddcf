"""CPV codes get the search terms of their Swedish and English labels (for the picker)."""

from django.db import migrations, models


def fill_terms(apps, schema_editor):
    from projects.analysis import index_text

    CpvCode = apps.get_model("projects", "CpvCode")
    rows = list(CpvCode.objects.all())
    for row in rows:
        row.terms_sv = " " + index_text(row.label_sv) if row.label_sv else ""
        row.terms_en = " " + index_text(row.label) if row.label else ""
    CpvCode.objects.bulk_update(rows, ["terms_sv", "terms_en"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0006_date_range"),
    ]

    operations = [
        migrations.AddField(
            model_name="cpvcode",
            name="terms_en",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.AddField(
            model_name="cpvcode",
            name="terms_sv",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill_terms, migrations.RunPython.noop),
    ]
