"""One full-name field instead of 名/姓: the old display name becomes it, or the two parts are joined."""

import re

from django.db import migrations, models

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def joined(first: str, last: str) -> str:
    """Chinese names are written family name first without a space (王 + 小明 = 王小明); others as
    "first last". Nothing is dropped: both parts are always in the result."""
    first, last = first.strip(), last.strip()
    if not first or not last:
        return first or last
    if CJK.search(first) or CJK.search(last):
        return f"{last}{first}"
    return f"{first} {last}"


def join_names(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for user in User.objects.filter(full_name="").exclude(first_name="", last_name=""):
        user.full_name = joined(user.first_name, user.last_name)[:150]
        user.save(update_fields=["full_name"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_username_unique_ignoring_case")]

    operations = [
        migrations.RenameField(model_name="user", old_name="display_name", new_name="full_name"),
        migrations.AlterField(
            model_name="user",
            name="full_name",
            field=models.CharField(blank=True, max_length=150, verbose_name="姓名"),
        ),
        migrations.RunPython(join_names, migrations.RunPython.noop),
    ]
