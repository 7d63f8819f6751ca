"""`cms review ...`: the central office's review settings per site (levels of review, proofreading,
when a waiting step is overdue)."""

from django.core.management.base import BaseCommand, CommandError

from sites.models import Association

from ...models import ReviewPolicy
from ...workflow.selectors import policy_for
from ...workflow.services import PolicyError, set_review_policy

SWITCH = {"on": True, "off": False}


class Command(BaseCommand):
    help = "Review settings per site: levels of review (3, 2, 1), proofreading steps, overdue days."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        show = actions.add_parser("policy", help="show or set one site's review settings")
        show.add_argument("slug")
        show.add_argument("--levels", type=int, choices=[1, 2, 3], help="3 三审, 2 两审 (small sites), 1 一审")
        show.add_argument("--proofreading", choices=sorted(SWITCH), help="the 校 steps on or off")
        show.add_argument("--overdue-days", type=int, help="working days before a waiting step is overdue")
        actions.add_parser("policies", help="every site's review settings")

    def handle(self, *, action, **options):
        if action == "policies":
            for site in Association.objects.filter(archived_at__isnull=True).exclude(schema_name="public"):
                self._show(site)
            return
        site = Association.objects.filter(slug=options["slug"]).first()
        if site is None:
            raise CommandError(f"No site with slug '{options['slug']}'.")
        changes = {
            "levels": options["levels"],
            "proofreading": SWITCH.get(options["proofreading"]) if options["proofreading"] else None,
            "overdue_working_days": options["overdue_days"],
        }
        if any(value is not None for value in changes.values()):
            try:
                set_review_policy(site=site, actor="cms review", **changes)
            except PolicyError as error:
                raise CommandError(str(error)) from None
        self._show(site)

    def _show(self, site: Association) -> None:
        policy = policy_for(site=site)
        levels = dict(ReviewPolicy.Levels.choices)[policy.levels]
        proofreading = "on" if policy.proofreading else "off"
        self.stdout.write(
            f"{site.slug}: levels={policy.levels} ({levels}), proofreading={proofreading}, "
            f"overdue after {policy.overdue_working_days} working days"
        )
