"""Model sites (示范推广): the central office marks a site as a model and turns it into a theme version."""

from __future__ import annotations

import re
from pathlib import Path

from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from themes import blueprint as blueprints
from themes.export import blueprint_of_current_schema, write_blueprint

from .models import Association


def theme_name_for(site: Association) -> str:
    return "model_" + re.sub(r"[^a-z]+", "_", site.slug).strip("_")


def theme_from_site(*, site: Association, name: str | None = None, themes_dir: Path | None = None) -> Path:
    """Write the site's structure as a new version of theme `name` (model_<slug> by default): version 1,
    or one more than the version already there, so sites made from it can be upgraded
    (`cms themes upgrade`). Returns the theme file."""
    if not site.is_model:
        raise ValidationError(f"“{site.name}”还不是示范网站：请先在登记信息中勾选“示范网站”。")
    name = name or theme_name_for(site)
    if not re.match(r"^[a-z_]+$", name):
        raise ValidationError(f"模板名称“{name}”只能包含小写字母和下划线。")
    themes_dir = Path(themes_dir or blueprints.THEMES_DIR)
    existing = themes_dir / name / "theme.yaml"
    version = blueprints.load_theme(existing).version + 1 if existing.exists() else 1
    with schema_context(site.schema_name):
        blueprint = blueprint_of_current_schema(
            name=name,
            title=f"{site.short_name or site.name}示范模板",
            version=version,
            description=f"由示范网站“{site.name}”的栏目结构、导航、用户组和审核流程生成。",
        )
    path = write_blueprint(blueprint, themes_dir=themes_dir, source=site.name)
    blueprints.get_theme.cache_clear()
    return path
