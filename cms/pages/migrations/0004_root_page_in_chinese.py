"""Wagtail's migrations name the tree's root page and the root collection "Root" and leave "Welcome to your new Wagtail site!" in the
history; editors read both in the admin (浏览: 根目录), so they are given Chinese names."""

from django.db import migrations

WELCOME = "Welcome to your new Wagtail site!"


def chinese_names(apps, schema_editor):
    Page = apps.get_model("wagtailcore", "Page")
    Page.objects.filter(depth=1, title="Root").update(title="根目录", draft_title="根目录")
    Page.objects.filter(title=WELCOME).update(title="首页", draft_title="首页")
    Collection = apps.get_model("wagtailcore", "Collection")
    Collection.objects.filter(depth=1, name="Root").update(name="全部")
    PageLogEntry = apps.get_model("wagtailcore", "PageLogEntry")
    PageLogEntry.objects.filter(label="Root").update(label="根目录")
    PageLogEntry.objects.filter(label=WELCOME).update(label="首页")


class Migration(migrations.Migration):
    dependencies = [("pages", "0003_site_requires_two_factor"), ("wagtailcore", "0098_apitoken")]

    operations = [migrations.RunPython(chinese_names, migrations.RunPython.noop)]
