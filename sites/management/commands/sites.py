"""`cms sites ...`: the site registry from the command line (create, list, archive, delete, back up, restore, import)."""

import datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from sites import backup, services
from sites.models import Association
from sites.registry_import import RegistryFileError, import_registry


class Command(BaseCommand):
    help = "The site registry: create, list, archive, unarchive, delete, back up, restore, import."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="create a site from a theme")
        for flag in ("--name", "--short-name", "--slug", "--kind", "--domain"):
            create.add_argument(flag, required=True)
        create.add_argument("--parent", help="slug of the parent site")
        create.add_argument("--region", default="")
        create.add_argument("--theme", help="theme name (default: by level)")
        admin = create.add_mutually_exclusive_group()
        admin.add_argument("--admin-password", help="create an admin user with this password (12+ characters)")
        admin.add_argument("--no-admin", action="store_true", help="create the site without an admin user")
        listing = actions.add_parser("list", help="every site with its level, parent, theme and domain")
        listing.add_argument("--kind")
        for action, text in (
            ("archive", "take a site offline, keeping its data"),
            ("unarchive", "bring an archived site back"),
            ("delete", "delete a site for good (schema, rows, media)"),
        ):
            one = actions.add_parser(action, help=text)
            one.add_argument("slug")
            if action == "delete":
                one.add_argument("--yes", action="store_true", help="confirm")
        backup_parser = actions.add_parser("backup", help="back up one site (schema and media) to a file")
        backup_parser.add_argument("slug")
        backup_parser.add_argument("--out", help="file to write (default: <slug>-<time>.tar.gz)")
        restore = actions.add_parser("restore", help="restore a site from a backup file")
        restore.add_argument("file")
        restore.add_argument("--slug", help="restore under another slug, beside the original")
        restore.add_argument("--domain", help="with --slug: the restored copy's domain")
        bulk = actions.add_parser("import", help="create every site of a registry file (CSV or YAML); resumable")
        bulk.add_argument("file")

    def handle(self, *, action, **options):
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
        try:
            getattr(self, f"_{action}")(**options)
        except ValidationError as error:
            messages = error.message_dict.values() if hasattr(error, "error_dict") else [error.messages]
            raise CommandError(" ".join(m for group in messages for m in group)) from None
        except RegistryFileError as error:
            raise CommandError(f"{error} Fix it and run the import again: created sites are skipped.") from None

    def _say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()

    @staticmethod
    def _site(slug: str) -> Association:
        found = Association.objects.filter(slug=slug).first()
        if found is None:
            raise CommandError(f"No site with slug '{slug}'.")
        return found

    def _create(self, *, name, short_name, slug, kind, domain, parent, region, theme, admin_password, no_admin, **_):
        if not admin_password and not no_admin:
            raise CommandError(
                "未设置管理员密码：请用 --admin-password 设置（至少 12 个字符），"
                "或用 --no-admin 明确创建没有管理员的网站。"
            )
        created = services.create_site(
            name=name,
            short_name=short_name,
            slug=slug,
            kind=kind,
            domain=domain,
            parent=self._site(parent) if parent else None,
            region=region,
            theme=theme,
            admin=None if no_admin else services.SiteAdmin("admin", admin_password),
            progress=self._say,
        )
        self._say(
            f"Created {created.name} ({created.slug}) at {created.primary_domain}, "
            f"theme {created.theme} v{created.theme_version}."
        )

    def _list(self, *, kind, **_):
        rows = Association.objects.select_related("parent").prefetch_related("domains").order_by("id")
        if kind:
            rows = rows.filter(kind=kind)
        for row in rows:
            state = "archived" if row.archived_at else "live"
            theme = f"{row.theme} v{row.theme_version}" if row.theme else "-"
            parent = row.parent.slug if row.parent else "-"
            self.stdout.write(
                f"{row.slug:20} {row.get_kind_display():10} parent={parent:12} {theme:28} "
                f"{row.primary_domain or '-':30} {state}  {row.name}"
            )

    def _archive(self, *, slug, **_):
        services.archive_site(association=self._site(slug))
        self._say(f"Archived {slug}: its hosts now answer 410; `cms sites unarchive {slug}` brings it back.")

    def _unarchive(self, *, slug, **_):
        services.unarchive_site(association=self._site(slug))
        self._say(f"{slug} is live again.")

    def _delete(self, *, slug, yes, **_):
        target = self._site(slug)
        if not yes:
            raise CommandError(f"Deleting {slug} removes its schema, pages and media for good; add --yes to confirm.")
        services.delete_site(association=target)
        self._say(f"Deleted {slug}.")

    def _backup(self, *, slug, out, **_):
        target = self._site(slug)
        path = Path(out or f"{slug}-{datetime.datetime.now():%Y%m%d-%H%M%S}.tar.gz")
        backup.backup_site(association=target, target=path)
        self._say(f"Backed up {slug} to {path} ({path.stat().st_size / 1024:.0f} KiB).")

    def _restore(self, *, file, slug, domain, **_):
        restored = backup.restore_site(source=Path(file), slug=slug, domain=domain)
        self._say(f"Restored {restored.name} ({restored.slug}) at {restored.primary_domain}.")

    def _import(self, *, file, **_):
        created, skipped = import_registry(Path(file), progress=self._say)
        self._say(f"Imported: {created} created, {skipped} already there.")
