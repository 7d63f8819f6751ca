"""`cms audit ...`: verify the audit log's hash chains, purge entries past the retention."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import get_public_schema_name

from cms.audit import selectors, services


class Command(BaseCommand):
    help = "The audit log: verify its hash chains; purge entries older than the retention (at least 180 days)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        verify = actions.add_parser("verify", help="recompute every chain; name the first broken entry of each")
        verify.add_argument(
            "--site", action="append", help="only this site's chain: a schema name, 'public' for the central office"
        )
        purge = actions.add_parser("purge", help="remove entries older than CMS_AUDIT_RETENTION_DAYS (>= 180)")
        purge.add_argument("--dry-run", action="store_true", help="count what would go, remove nothing")

    def handle(self, *, action, **options):
        if action == "verify":
            self._verify(options.get("site"))
        else:
            self._purge(dry_run=options["dry_run"])

    def _verify(self, sites):
        result = selectors.verify(schema_names=sites)
        for chain, count in result.checked.items():
            name = "central office" if chain == get_public_schema_name() else chain
            self.stdout.write(f"{name:24} {count:9} entries")
        if not result.ok:
            for problem in result.breaks:
                self.stderr.write(f"BROKEN: {problem}")
            raise CommandError(f"The audit log is not intact: {len(result.breaks)} chain(s) broken (see above).")
        self.stdout.write(f"OK: {result.total} entries in {len(result.checked)} chain(s) verified.")

    def _purge(self, *, dry_run):
        try:
            result = services.purge(dry_run=dry_run)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        for chain, count in sorted(result.removed.items()):
            self.stdout.write(f"{chain:24} {count:9} entries {'would be ' if dry_run else ''}removed")
        verb = "would be removed" if dry_run else "removed"
        self.stdout.write(f"{result.total} entries older than {result.cutoff:%Y-%m-%d %H:%M} {verb}.")
