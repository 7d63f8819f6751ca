from django.db import migrations
from django_tenants.utils import get_public_schema_name

from cms.oversight.rules import DEFAULT_RULES


def add_default_rules(apps, schema_editor):
    if schema_editor.connection.schema_name != get_public_schema_name():
        return
    InspectionRule = apps.get_model("oversight", "InspectionRule")
    for order, (code, name, kind, threshold, weight, deduction, keywords, description) in enumerate(DEFAULT_RULES):
        InspectionRule.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "threshold": threshold,
                "weight": weight,
                "deduction": deduction,
                "keywords": keywords,
                "description": description,
                "order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("oversight", "0001_initial")]

    operations = [migrations.RunPython(add_default_rules, migrations.RunPython.noop)]
