"""Creating many sites from a registry file (CSV or YAML), resumable: sites that exist are skipped."""

from __future__ import annotations

import csv
import time
from collections.abc import Callable
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError

from .models import Association
from .services import create_site

COLUMNS = ["name", "short_name", "slug", "kind", "domain", "parent", "region", "theme"]


class RegistryFileError(ValueError):
    pass


def read_registry(path: Path) -> list[dict]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise RegistryFileError(f"{path} cannot be read ({error.strerror}).") from None
    if path.suffix.lower() in {".yaml", ".yml"}:
        try:
            rows = yaml.safe_load(text) or []
        except yaml.YAMLError as error:
            raise RegistryFileError(f"{path} is not valid YAML ({error}).") from None
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise RegistryFileError(f"{path}: expected a list of sites, each a mapping of {', '.join(COLUMNS)}.")
    else:
        rows = list(csv.DictReader(text.splitlines()))
        missing = {"name", "short_name", "slug", "kind", "domain"} - set(rows[0] if rows else {})
        if missing:
            raise RegistryFileError(
                f"{path}: missing columns {', '.join(sorted(missing))}; expected {', '.join(COLUMNS)}."
            )
    return [{key: (str(value).strip() if value is not None else "") for key, value in row.items()} for row in rows]


def import_registry(path: Path, *, progress: Callable[[str], None] = print) -> tuple[int, int]:
    """Create every site of the file that does not exist yet. Returns (created, skipped).

    Stops at the first row that cannot be created, naming it; running the import again
    skips what was created and carries on from there.
    """
    rows = read_registry(path)
    created = skipped = 0
    for number, row in enumerate(rows, start=1):
        label = f"[{number}/{len(rows)}] {row.get('slug') or '?'}"
        if Association.objects.filter(slug=row.get("slug")).exists():
            skipped += 1
            progress(f"{label}: exists, skipped")
            continue
        parent = None
        if row.get("parent"):
            parent = Association.objects.filter(slug=row["parent"]).first()
            if parent is None:
                raise RegistryFileError(
                    f"row {number} ({row.get('slug')}): parent '{row['parent']}' does not exist "
                    "(list parents before their children)."
                )
        started = time.monotonic()
        try:
            create_site(
                name=row.get("name", ""),
                short_name=row.get("short_name", ""),
                slug=row.get("slug", ""),
                kind=row.get("kind", ""),
                domain=row.get("domain", ""),
                parent=parent,
                region=row.get("region", ""),
                theme=row.get("theme") or None,
                progress=progress,
            )
        except ValidationError as error:
            details = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
            raise RegistryFileError(f"row {number} ({row.get('slug')}): {details}") from None
        created += 1
        progress(f"{label}: created in {time.monotonic() - started:.2f} s")
    return created, skipped
