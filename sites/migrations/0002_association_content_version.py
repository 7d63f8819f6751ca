from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("sites", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="association",
            name="content_version",
            field=models.BigIntegerField(default=0, editable=False, verbose_name="内容版本"),
        ),
    ]
