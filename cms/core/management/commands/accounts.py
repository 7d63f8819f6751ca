"""`cms accounts ...`: locked-out logins and two-factor resets, for the central office."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from cms.accounts import selectors, services
from sites.models import Association


class Command(BaseCommand):
    help = "Logins: list and end lockouts after too many failures, reset a user's two-factor login."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        unlock = actions.add_parser("unlock", help="end the lockout of logins after too many failures")
        unlock.add_argument("site", help="site slug, or 'all'")
        unlock.add_argument("--username", help="only this username")
        unlock.add_argument("--ip", help="only this client address")
        locks = actions.add_parser("locks", help="the logins now locked out, on every site")
        locks.add_argument("site", nargs="?", default="all", help="site slug, or 'all' (default)")
        reset = actions.add_parser("reset-2fa", help="remove a user's two-factor devices; they enrol again")
        reset.add_argument("site", help="site slug ('central' for the central office)")
        reset.add_argument("username")

    def handle(self, *, action, site, **options):
        schemas = self._schemas(site)
        if action == "unlock":
            count = services.unlock_logins(schema_names=schemas, username=options["username"], ip_address=options["ip"])
            self.stdout.write(f"Unlocked: {count} record(s) of failed logins removed.")
        elif action == "locks":
            rows = selectors.locked_logins(schema_names=schemas)
            for row in rows:
                self.stdout.write(
                    f"{row.schema_name:20} {row.username:24} {row.ip_address or '-':40} "
                    f"{row.failures:3} failures, last {row.last_attempt:%Y-%m-%d %H:%M:%S}"
                )
            self.stdout.write(f"{len(rows)} locked login(s).")
        else:
            if schemas is None:
                raise CommandError("Name one site to reset a user's two-factor login on.")
            try:
                with schema_context(schemas[0]):
                    services.reset_two_factor(username=options["username"])
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
            self.stdout.write(
                f"Two-factor login of {options['username']} on {site} reset: they set it up again at their next login."
            )

    @staticmethod
    def _schemas(slug: str) -> list[str] | None:
        if slug == "all":
            return None
        found = Association.objects.filter(slug=slug).values_list("schema_name", flat=True).first()
        if found is None:
            raise CommandError(f"No site with slug '{slug}'.")
        return [found]
