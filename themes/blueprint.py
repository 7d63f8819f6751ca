"""Site templates: a theme is a declarative, versioned blueprint of a whole site, in `themes/<name>/theme.yaml`.

A blueprint is checked when it is loaded: an unknown page type, a page placed where the
page library does not allow it, a navigation entry naming no page, an unknown
permission, a workflow task naming no group (or an unknown kind or level) are errors that name the file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

THEMES_DIR = Path(__file__).resolve().parent
PAGE_TYPES = {"section": "pages.SectionPage", "standard": "pages.StandardPage"}
PERMISSIONS = {"add", "change", "publish", "lock", "unlock", "bulk_delete"}
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class ThemeError(ValueError):
    """A blueprint that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class PageSpec:
    type: str
    title: str
    slug: str
    cadence_days: int | None = None
    in_menu: bool = False
    body: str = ""
    children: tuple[PageSpec, ...] = ()
    line: int = 0

    @property
    def model_label(self) -> str:
        return PAGE_TYPES[self.type]

    def walk(self, path: tuple[str, ...] = ()):
        """(slug path, spec) of this page and every page under it."""
        here = (*path, self.slug)
        yield here, self
        for child in self.children:
            yield from child.walk(here)


@dataclass(frozen=True)
class GroupSpec:
    name: str
    permissions: tuple[str, ...]


@dataclass(frozen=True)
class StepSpec:
    """One step of the theme's review workflow: a review (审) or a proofreading (校) step, done by a
    group, active at the review levels it lists (empty: at every level; see cms.review's policy)."""

    name: str
    group: str
    kind: str = "review"
    levels: tuple[int, ...] = ()


STEP_KINDS = {"review": "review", "审": "review", "proofread": "proofread", "校": "proofread"}


@dataclass(frozen=True)
class Theme:
    name: str
    title: str
    version: int
    description: str
    tokens: dict
    groups: tuple[GroupSpec, ...]
    workflow_name: str
    workflow_tasks: tuple[tuple[str, str], ...]  # (task name, group name)
    pages: tuple[PageSpec, ...]
    navigation: tuple[str, ...]
    path: Path = field(compare=False, default=Path())
    workflow_steps: tuple[StepSpec, ...] = ()

    def all_pages(self):
        for page in self.pages:
            yield from page.walk()


def _located(node) -> object:
    """YAML node to Python, keeping the 1-based line of every mapping under '__line__'."""
    if isinstance(node, yaml.MappingNode):
        result = {"__line__": node.start_mark.line + 1}
        for key, value in node.value:
            result[key.value] = _located(value)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_located(item) for item in node.value]
    return yaml.safe_load(yaml.serialize(node)) if node.tag != "tag:yaml.org,2002:str" else node.value


def load_theme(path: Path) -> Theme:
    path = Path(path)
    where = path.relative_to(THEMES_DIR.parent) if path.is_relative_to(THEMES_DIR.parent) else path
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark else ""
        raise ThemeError(f"{where}{line}: not valid YAML ({getattr(error, 'problem', error)}).") from None
    except OSError as error:
        raise ThemeError(f"{where}: cannot be read ({error.strerror}).") from None
    data = _located(node) if node is not None else {}
    if not isinstance(data, dict):
        raise ThemeError(f"{where}, line 1: a theme is a mapping of name, version, pages and so on.")

    def fail(line, message):
        raise ThemeError(f"{where}, line {line}: {message}")

    def required(mapping, key, kind=str):
        if key not in mapping:
            fail(mapping["__line__"], f"'{key}' is missing.")
        value = mapping[key]
        if kind is int and (not isinstance(value, int) or isinstance(value, bool)):
            fail(mapping["__line__"], f"'{key}' must be a whole number.")
        if kind is str and not isinstance(value, str):
            fail(mapping["__line__"], f"'{key}' must be text.")
        return value

    name = required(data, "name")
    if name != path.parent.name:
        fail(data["__line__"], f"the theme is named '{name}' but its folder is '{path.parent.name}'.")
    version = required(data, "version", int)
    if version < 1:
        fail(data["__line__"], "'version' starts at 1.")

    groups = []
    for group in data.get("groups") or []:
        unknown = set(group.get("permissions") or []) - PERMISSIONS
        if unknown:
            fail(group["__line__"], f"unknown permission {sorted(unknown)}; known: {sorted(PERMISSIONS)}.")
        groups.append(GroupSpec(name=required(group, "name"), permissions=tuple(group.get("permissions") or [])))
    group_names = {g.name for g in groups}

    workflow = data.get("workflow") or {}
    tasks, steps = [], []
    for task in workflow.get("tasks") or []:
        if task.get("group") not in group_names:
            fail(
                task["__line__"],
                f"workflow task '{task.get('name')}' names group '{task.get('group')}', which the theme does not define.",
            )
        tasks.append((required(task, "name"), task["group"]))
        kind = STEP_KINDS.get(str(task.get("kind") or "review"))
        if kind is None:
            fail(
                task["__line__"],
                f"workflow task '{task['name']}' has kind '{task.get('kind')}'; known: 审 (review), 校 (proofread).",
            )
        levels = task.get("levels") or []
        if not isinstance(levels, list) or not all(level in (1, 2, 3) for level in levels):
            fail(task["__line__"], f"workflow task '{task['name']}': 'levels' is a list of review levels 1, 2 or 3.")
        steps.append(StepSpec(name=task["name"], group=task["group"], kind=kind, levels=tuple(sorted(levels))))

    def page(spec, parent_label, parent_name) -> PageSpec:
        line = spec["__line__"]
        kind = spec.get("type")
        if kind not in PAGE_TYPES:
            fail(line, f"unknown page type '{kind}'; known: {', '.join(sorted(PAGE_TYPES))}.")
        if not _may_live_under(PAGE_TYPES[kind], parent_label):
            fail(line, f"a '{kind}' page cannot be placed under {parent_name} (the page library's parent/child rules).")
        slug = required(spec, "slug")
        if not SLUG.match(slug):
            fail(line, f"slug '{slug}' must be lowercase letters, digits and hyphens.")
        children = tuple(page(child, PAGE_TYPES[kind], f"'{slug}'") for child in spec.get("children") or [])
        slugs = [c.slug for c in children]
        if len(slugs) != len(set(slugs)):
            fail(line, f"two pages under '{slug}' share a slug.")
        return PageSpec(
            type=kind,
            title=required(spec, "title"),
            slug=slug,
            cadence_days=spec.get("cadence_days"),
            in_menu=bool(spec.get("in_menu")),
            body=spec.get("body") or "",
            children=children,
            line=line,
        )

    pages = tuple(page(spec, "pages.HomePage", "the home page") for spec in data.get("pages") or [])
    top_slugs = [p.slug for p in pages]
    if len(top_slugs) != len(set(top_slugs)):
        fail(data["__line__"], "two top-level pages share a slug.")
    navigation = tuple(data.get("navigation") or [])
    for slug in navigation:
        if slug not in top_slugs:
            fail(data["__line__"], f"navigation names '{slug}', which is not a top-level page of the theme.")
    tokens = {k: v for k, v in (data.get("tokens") or {}).items() if k != "__line__"}
    return Theme(
        name=name,
        title=required(data, "title"),
        version=version,
        description=data.get("description") or "",
        tokens=_strip_lines(tokens),
        groups=tuple(groups),
        workflow_name=workflow.get("name") or "",
        workflow_tasks=tuple(tasks),
        workflow_steps=tuple(steps),
        pages=pages,
        navigation=navigation,
        path=path,
    )


def _strip_lines(value):
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def _may_live_under(child_label: str, parent_label: str) -> bool:
    from django.apps import apps

    child, parent = apps.get_model(child_label), apps.get_model(parent_label)
    return child in parent.allowed_subpage_models() and parent in child.allowed_parent_page_models()


@cache
def get_theme(name: str) -> Theme:
    path = THEMES_DIR / name / "theme.yaml"
    if not re.match(r"^[a-z_]+$", name) or not path.exists():
        raise ThemeError(f"unknown theme '{name}'; available: {', '.join(available_themes())}.")
    return load_theme(path)


def available_themes() -> list[str]:
    return sorted(p.parent.name for p in THEMES_DIR.glob("*/theme.yaml"))


DEFAULT_THEME_FOR_KIND = {
    "national_federation": "national_federation",
    "national_association": "national_association",
    "provincial": "provincial_federation",
    "municipal": "local_federation",
    "county": "local_federation",
}
