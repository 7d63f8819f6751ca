from django.db import migrations


class Migration(migrations.Migration):
    """The content version moved to the site's registry row (sites.Association.content_version)."""

    dependencies = [("api", "0001_initial")]

    operations = [migrations.DeleteModel(name="ContentVersion")]
