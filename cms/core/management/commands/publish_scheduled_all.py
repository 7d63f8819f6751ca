from django.core.management import BaseCommand, call_command

from sites.selectors import all_schemas


class Command(BaseCommand):
    help = "Publish and unpublish scheduled pages on every site (Wagtail's publish_scheduled per schema)."

    def handle(self, *args, **options):
        from django_tenants.utils import schema_context

        failures = 0
        for schema in all_schemas():
            try:
                with schema_context(schema):
                    call_command("publish_scheduled", verbosity=0)
            except Exception as error:  # one broken site must not stop the others
                failures += 1
                self.stderr.write(f"{schema}: {error}")
        if failures:
            raise SystemExit(1)
