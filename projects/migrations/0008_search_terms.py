"""The analysed search terms of needs and calls, and the index built from them (FTS5 on SQLite, the `simple`
tsvector on PostgreSQL); fills both for existing rows."""

from django.db import migrations, models


def fill(apps, schema_editor):
    from projects import search_index

    Need = apps.get_model("projects", "Need")
    Call = apps.get_model("projects", "Call")
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "sqlite":
            search_index.create_fts_tables(cursor)
    bodies = {}
    for need in Need.objects.prefetch_related("cpv_codes").iterator(chunk_size=500):
        parts = search_index.need_parts(need, need.cpv_codes.all())
        bodies[need.pk] = parts["search_body"]
        Need.objects.filter(pk=need.pk).update(**parts)
    for call in Call.objects.select_related("need").iterator(chunk_size=500):
        Call.objects.filter(pk=call.pk).update(**search_index.call_parts(call, call.need, bodies.get(call.need_id, "")))
    with schema_editor.connection.cursor() as cursor:
        search_index.refresh("projects_need", cursor=cursor)
        search_index.refresh("projects_call", cursor=cursor)


def unfill(apps, schema_editor):
    from projects import search_index

    if schema_editor.connection.vendor == "sqlite":
        with schema_editor.connection.cursor() as cursor:
            search_index.drop_fts_tables(cursor)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0007_cpv_labels"),
    ]

    operations = [
        *[
            migrations.AddField(
                model_name=model,
                name=name,
                field=models.TextField(blank=True, default="", editable=False),
            )
            for model in ("need", "call")
            for name in ("search_title", "search_summary", "search_body")
        ],
        migrations.RunPython(fill, unfill),
    ]
