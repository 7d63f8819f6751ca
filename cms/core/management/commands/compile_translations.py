"""Compile the project's .po catalogues to .mo with polib: no gettext tools (msgfmt) needed."""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


def catalogues() -> list[Path]:
    return sorted(po for folder in settings.LOCALE_PATHS for po in Path(folder).glob("*/LC_MESSAGES/*.po"))


def compiled(po_path: Path) -> bytes:
    """The .mo a .po compiles to (fuzzy and untranslated entries left out, as msgfmt does)."""
    catalogue = polib.pofile(str(po_path))
    mo = polib.MOFile(encoding="utf-8")
    mo.metadata = catalogue.metadata
    mo.extend(entry for entry in catalogue if entry.translated() and not entry.obsolete)
    return mo.to_binary()


class Command(BaseCommand):
    help = "把项目自带的翻译（cms/locale 下的 .po）编译为 .mo。"

    def handle(self, *args, **options):
        for po in catalogues():
            mo = po.with_suffix(".mo")
            data = compiled(po)
            if mo.exists() and mo.read_bytes() == data:
                continue
            mo.write_bytes(data)
            self.stdout.write(f"{mo}")
