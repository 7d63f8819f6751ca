"""Writes for screening: lexicon changes (each one moves the lexicon version, is recorded in the history
and queues a re-scan of the sites it reaches), imports, and overrides of review-level hits."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from cms.audit.services import record as audit_record
from cms.text.normalise import normalise_word
from sites.models import Association

from . import jobs, lexicon_io
from .models import Level, LexiconChange, LexiconEntry, LexiconVersion, Rescan, ScreeningOverride
from .publishing import check_revision_text
from .screening import ScreeningResult

VERSION_SEQUENCE = "review_lexicon_version_seq"
HISTORY_WORDS = 1000


class LexiconError(ValueError):
    """A lexicon change that cannot be made; the message says why, in Chinese."""


class OverrideError(ValueError):
    """An override that cannot be recorded; the message says why, in Chinese."""


def _layer_name(site: Association | None) -> str:
    return "全国词库" if site is None else f"{site.name}词库"


def _bump_version() -> None:
    """A new version from a sequence: never reused, even when a transaction that took one rolls back,
    so a process never mistakes an automaton built inside a rolled-back change for a committed one."""
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {LexiconVersion._meta.db_table} SET version = nextval(%s)", [VERSION_SEQUENCE])  # noqa: S608


def _changed(*, site: Association | None, action: str, actor: str, summary: str, words: list[str]) -> None:
    _bump_version()
    LexiconChange.objects.create(
        site=site, site_name=_layer_name(site), action=action, actor=actor, summary=summary, words=words[:HISTORY_WORDS]
    )
    transaction.on_commit(lambda: schedule_rescans(site=site, reason=f"{_layer_name(site)}{summary}"))
    audit_record(f"lexicon.{action}", username=actor or None, schema_name=site.schema_name if site else get_public_schema_name(), object_type="lexicon", object_label=_layer_name(site), detail={"summary": summary, "words": words[:HISTORY_WORDS]})  # fmt: skip  # noqa: E501


def add_entry(
    *,
    site: Association | None,
    word: str,
    actor: str,
    category: str = "",
    level: str = Level.BLOCK,
    kind: str = LexiconEntry.Kind.WORD,
) -> LexiconEntry:
    word = (word or "").strip()
    if not word:
        raise LexiconError("请填写词语。")
    if len(word) > lexicon_io.MAX_WORD_CHARS:
        raise LexiconError(f"词语过长：最多 {lexicon_io.MAX_WORD_CHARS} 个字符。")
    normalised = normalise_word(word)
    if not normalised:
        raise LexiconError(f"“{word}”只含标点、符号或空白，不能作为词语。")
    if level not in Level.values or kind not in LexiconEntry.Kind.values:
        raise LexiconError("级别或类型无法识别。")
    with transaction.atomic():
        existing = _layer(site).filter(kind=kind, normalised=normalised).first()
        if existing is not None:
            raise LexiconError(f"“{word}”已在{_layer_name(site)}中（“{existing.word}”）。")
        entry = LexiconEntry.objects.create(
            site=site,
            word=word,
            normalised=normalised,
            category=category.strip(),
            level=level,
            kind=kind,
            created_by=actor,
        )
        kind_label = entry.get_kind_display()
        _changed(
            site=site,
            action=LexiconChange.Action.ADD,
            actor=actor,
            summary=f"添加{kind_label}“{word}”（{category or '未分类'}，{entry.get_level_display()}）",
            words=[word],
        )
    return entry


def remove_entries(*, site: Association | None, entry_ids: list[int], actor: str) -> int:
    with transaction.atomic():
        entries = list(_layer(site).filter(pk__in=entry_ids))
        if not entries:
            return 0
        _layer(site).filter(pk__in=[e.pk for e in entries]).delete()
        words = [e.word for e in entries]
        _changed(
            site=site,
            action=LexiconChange.Action.REMOVE,
            actor=actor,
            summary=f"删除 {len(words)} 条：{'、'.join(words[:10])}{'等' if len(words) > 10 else ''}",
            words=words,
        )
    return len(entries)


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    removed: int

    def summary(self) -> str:
        removed = f"，删除 {self.removed} 条" if self.removed else ""
        return f"新增 {self.created} 条，更新 {self.updated} 条{removed}"


def import_lexicon(
    *,
    site: Association | None,
    content: str | bytes,
    fmt: str,
    actor: str,
    replace: bool = False,
    category: str = "",
    level: str = Level.BLOCK,
) -> ImportResult:
    """Import a CSV or TXT file into one layer, all or nothing. A word already in the layer takes the
    file's category and level; with `replace`, the layer's entries not in the file are removed."""
    entries = lexicon_io.parse(content, fmt=fmt, category=category, level=level)
    with transaction.atomic():
        layer = _layer(site)
        existing = {
            (kind, normalised): (pk, cat, lvl, word)
            for pk, kind, normalised, cat, lvl, word in layer.values_list(
                "pk", "kind", "normalised", "category", "level", "word"
            )
        }
        to_create, to_update = [], []
        for entry in entries:
            found = existing.pop((entry.kind, entry.normalised), None)
            if found is None:
                to_create.append(
                    LexiconEntry(
                        site=site,
                        word=entry.word,
                        normalised=entry.normalised,
                        kind=entry.kind,
                        category=entry.category,
                        level=entry.level,
                        created_by=actor,
                    )
                )
            elif (found[1], found[2], found[3]) != (entry.category, entry.level, entry.word):
                to_update.append(LexiconEntry(pk=found[0], word=entry.word, category=entry.category, level=entry.level))
        removed = 0
        if replace and existing:
            removed, _ = layer.filter(pk__in=[value[0] for value in existing.values()]).delete()
        _copy_in(to_create)
        if to_update:
            LexiconEntry.objects.bulk_update(to_update, ["word", "category", "level"], batch_size=5000)
        result = ImportResult(created=len(to_create), updated=len(to_update), removed=removed)
        _changed(
            site=site,
            action=LexiconChange.Action.IMPORT,
            actor=actor,
            summary=f"导入 {fmt.upper()} 文件 {len(entries)} 条：{result.summary()}",
            words=[e.word for e in entries],
        )
    return result


def _copy_in(entries: list[LexiconEntry]) -> None:
    """New entries through COPY: 100,000 words in about a second, where bulk_create takes several."""
    if not entries:
        return
    now = timezone.now()
    columns = "site_id, kind, word, normalised, category, level, created_by, created_at"
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {LexiconEntry._meta.db_table} ({columns}) FROM STDIN") as copy:
            for e in entries:
                copy.write_row((e.site_id, e.kind, e.word, e.normalised, e.category, e.level, e.created_by, now))


def _layer(site: Association | None):
    return (
        LexiconEntry.objects.filter(site=site) if site is not None else LexiconEntry.objects.filter(site__isnull=True)
    )


def record_override(*, site: Association, revision, user, reason: str) -> ScreeningOverride:
    """A named reviewer lets a revision go live despite its review-level hits, with a written reason.
    Block-level hits cannot be overridden. Runs in the site's schema."""
    reason = (reason or "").strip()
    if user is None or not getattr(user, "is_authenticated", False):
        raise OverrideError("放行须由具名审核人操作。")
    if len(reason) < 5:
        raise OverrideError("请填写放行理由（至少 5 个字），它会被记录。")
    page = revision.as_object()
    if not page.permissions_for_user(user).can_publish():
        raise OverrideError(f"{user.get_username()} 没有发布“{page.title}”的权限，不能放行。")
    result: ScreeningResult = check_revision_text(revision=revision, site=site)
    if result.blocked:
        raise OverrideError("这一版本含有禁止发布的词语，不能放行，只能修改后重新提交。")
    if not result.needs_review:
        raise OverrideError("这一版本没有需要审核的词语，无需放行。")
    audit_record("screening.override", user=user, schema_name=site.schema_name, object_type="page", object_id=page.pk, object_label=page.title, detail={"revision": revision.pk, "words": result.review_words, "reason": reason})  # fmt: skip  # noqa: E501
    return ScreeningOverride.objects.create(
        site=site,
        page_id=page.pk,
        revision_id=revision.pk,
        page_title=page.title[:255],
        words=result.review_words,
        reason=reason,
        user_name=user.get_username(),
    )


def schedule_rescans(*, site: Association | None, reason: str) -> list[Rescan]:
    """Queue a re-scan of each site the changed layer reaches (the national layer: every site); a site
    with a re-scan already queued is not queued twice."""
    sites = Association.objects.filter(archived_at__isnull=True).exclude(schema_name=get_public_schema_name())
    if site is not None:
        reached = _descendant_ids(site) | {site.pk}
        sites = sites.filter(pk__in=reached)
    queued = set(Rescan.objects.filter(status=Rescan.Status.QUEUED).values_list("site_id", flat=True))
    made = []
    for each in sites.exclude(pk__in=queued):
        rescan = Rescan.objects.create(site=each, reason=reason[:200])
        with schema_context(each.schema_name):  # the task runs in the site's schema
            jobs.rescan_site.enqueue(rescan.pk)
        made.append(rescan)
    return made


def _descendant_ids(site: Association) -> set[int]:
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Association.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, queue = set(), list(children.get(site.pk, []))
    while queue:
        pk = queue.pop()
        if pk not in found:
            found.add(pk)
            queue.extend(children.get(pk, []))
    return found


def withhold_refused_scheduled() -> list[int]:
    """Before Wagtail's publish_scheduled runs in this schema: each revision due to go live that screening
    now refuses (the lexicon may have changed since it was scheduled) loses its schedule, and the hits are
    recorded as findings for the site's editors, so the other due pages still go live. Returns the page ids."""
    from django.utils import timezone as tz
    from wagtail.models import Page, Revision

    from .models import Finding
    from .publishing import refusal
    from .screening import site_of_schema

    site = site_of_schema()
    withheld = []
    due = Revision.page_revisions.filter(approved_go_live_at__lt=tz.now()).order_by("approved_go_live_at")
    for revision in due:
        problem = refusal(revision=revision, site=site)
        if problem is None:
            continue
        with transaction.atomic():
            Revision.objects.filter(pk=revision.pk).update(approved_go_live_at=None)
            title = str(revision.object_str)[:255]
            if site is not None:
                Finding.objects.bulk_create(
                    Finding(
                        site=site,
                        page_id=int(revision.object_id),
                        page_title=title,
                        word=hit.word,
                        category=hit.category,
                        level=hit.level,
                        field=f"定时发布已取消：{hit.field}"[:100],
                        context=hit.context[:200],
                    )
                    for hit in problem.result.hits
                    if hit.level != Level.NOTE
                )
        withheld.append(int(revision.object_id))
    Page.objects.filter(pk__in=withheld, live=False).update(go_live_at=None)
    return withheld
