from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_slugs(apps, schema_editor):
    Syndication = apps.get_model("network", "Syndication")
    Association = apps.get_model("sites", "Association")
    for side in ("source_site", "target_site"):
        slug = Association.objects.filter(pk=OuterRef(f"{side}_id")).values("slug")[:1]
        Syndication.objects.filter(**{f"{side}__isnull": False}).update(**{f"{side}_slug": Subquery(slug)})


class Migration(migrations.Migration):
    dependencies = [("network", "0002_network_version_sequence"), ("sites", "0002_association_content_version")]

    operations = [
        migrations.AddField(
            model_name="syndication",
            name="source_site_slug",
            field=models.CharField(blank=True, default="", max_length=40),
        ),
        migrations.AddField(
            model_name="syndication",
            name="target_site_slug",
            field=models.CharField(blank=True, default="", max_length=40),
        ),
        migrations.RunPython(fill_slugs, migrations.RunPython.noop),
    ]
