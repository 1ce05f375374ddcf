from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("checks", "0010_a_lang"),
    ]

    operations = [
        migrations.AddField(
            model_name="grantcall",
            name="language",
            field=models.CharField(
                choices=[("sv", "Swedish"), ("en", "English")],
                default="sv",
                help_text="The language the text is written in. Pages in the other language mark it, so that "
                "screen readers read it with the right pronunciation.",
                max_length=8,
                verbose_name="language of the text",
            ),
        ),
    ]
