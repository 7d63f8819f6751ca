from django.db import migrations


class Migration(migrations.Migration):
    """The network version (cms/network/index.py): a sequence, advanced after each commit that changed the index."""

    dependencies = [("network", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS network_version_seq",
            reverse_sql="DROP SEQUENCE IF EXISTS network_version_seq",
        ),
    ]
