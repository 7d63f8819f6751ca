"""`cms oversight refresh|check-links`: recompute every site's score; check links now or queue the checks."""

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import get_public_schema_name, schema_context

from cms.oversight import services
from cms.oversight.links import run_check
from cms.oversight.models import LinkCheckRun
from sites.models import Association


class Command(BaseCommand):
    help = "Oversight: refresh every site's score, or check links (one site or all)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["refresh", "check-links"])
        parser.add_argument("--site", help="check-links: only this site (slug)")
        parser.add_argument("--queue", action="store_true", help="check-links: queue for the worker instead of now")

    def handle(self, *args, action, site=None, queue=False, **options):
        if action == "refresh":
            count = services.refresh_health()
            self.stdout.write(f"Scored {count} site(s).")
            return
        sites = Association.objects.exclude(schema_name=get_public_schema_name()).filter(archived_at__isnull=True)
        if site:
            sites = sites.filter(slug=site)
            if not sites.exists():
                raise CommandError(f"No site in service with slug '{site}'.")
        sites = list(sites.order_by("id"))
        for number, each in enumerate(sites, 1):
            if queue:
                services.start_link_check(site=each)
                self.stdout.write(f"[{number}/{len(sites)}] {each.slug}: queued")
                continue
            run = LinkCheckRun.objects.create(site=each)
            with schema_context(each.schema_name):
                summary = run_check(run_id=run.pk)
            self.stdout.write(
                f"[{number}/{len(sites)}] {each.slug}: {summary['total']} links, {summary['problems']} problems"
            )
