from django.core.management import BaseCommand, call_command

from cms.review.services import withhold_refused_scheduled
from sites.selectors import all_schemas


class Command(BaseCommand):
    help = "Publish and unpublish scheduled pages on every site (Wagtail's publish_scheduled per schema)."

    def handle(self, *args, **options):
        from django_tenants.utils import schema_context

        failures = 0
        for schema in all_schemas():
            try:
                with schema_context(schema):
                    withheld = withhold_refused_scheduled()  # screening refuses these now: not published
                    if withheld:
                        self.stderr.write(f"{schema}: scheduled publishing withheld by screening for pages {withheld}")
                    call_command("publish_scheduled", verbosity=0)
            except Exception as error:  # one broken site must not stop the others
                failures += 1
                self.stderr.write(f"{schema}: {error}")
        if failures:
            raise SystemExit(1)
