"""Addresses on the network's own hosts are stored portable ("//host/path", completed with the public
scheme and port when read): rewrite the ones stored before, which carried Wagtail's port-80 root."""

from django.db import migrations

TABLES = {"network_indexentry": ("url", "canonical_url"), "network_syndication": ("source_url", "canonical_url")}


def make_portable(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for table, columns in TABLES.items():
            for column in columns:
                cursor.execute(
                    f"UPDATE {table} SET {column} = regexp_replace({column}, '^https?:', '') "  # noqa: S608
                    f"WHERE substring({column} from '^https?://([^/:]+)/') IN (SELECT domain FROM sites_domain)"
                )


class Migration(migrations.Migration):
    dependencies = [("network", "0003_syndication_site_slugs"), ("sites", "0002_association_content_version")]

    operations = [migrations.RunPython(make_portable, migrations.RunPython.noop)]
