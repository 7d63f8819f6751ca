from django.core.management.base import BaseCommand, CommandError

from sites.models import Association
from sites.orphans import orphan_files, remove_orphans


class Command(BaseCommand):
    help = "List (and with --delete remove) media files that no row of their site references."

    def add_arguments(self, parser):
        parser.add_argument("--site", help="one site's slug (default: every site)")
        parser.add_argument("--delete", action="store_true", help="remove the files found")
        parser.add_argument(
            "--older-than-minutes",
            type=float,
            default=60,
            help="leave younger files alone: an upload may not have committed yet (default 60)",
        )

    def handle(self, *, site, delete, older_than_minutes, **options):
        sites = Association.objects.order_by("pk")
        if site:
            sites = sites.filter(slug=site)
            if not sites.exists():
                raise CommandError(f"No site has the slug {site!r}.")
        total_files = total_bytes = 0
        for number, association in enumerate(sites, 1):
            report = orphan_files(site=association, older_than_seconds=older_than_minutes * 60)
            size = report.size
            total_files, total_bytes = total_files + len(report.files), total_bytes + size
            line = f"[{number}/{sites.count()}] {association.slug}: {len(report.files)} orphan files, {size / 1024:.0f} KiB"
            if report.files and delete:
                line += f", {remove_orphans(report)} removed"
            self.stdout.write(line)
            for path in report.files[:20] if not delete else []:
                self.stdout.write(f"    {path}")
        verb = "removed" if delete else "found (run again with --delete to remove them)"
        self.stdout.write(
            f"{total_files} orphan files, {total_bytes / 1024:.0f} KiB {verb}." if total_files else "No orphan files."
        )
