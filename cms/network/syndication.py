"""Syndication between sites, only along the hierarchy and only through these functions.

Up (报送): an editor submits an item to an ancestor; the receiver accepts it into a section
(a local copy with provenance) or declines it with a reason the sender sees.
Down (下发): the central office or a parent federation pushes an item to descendants; each
receiver's policy lands it as a draft or publishes it (through its review workflow, if any).
Copies stay true: an unchanged copy follows its republished source, an edited one is flagged,
and copies of an unpublished or deleted source are flagged. Every move is recorded.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context
from wagtail.models import Page

from cms.pages.selectors import INTERNAL_SECTION_SLUGS
from cms.pages.selectors import public as public_pages
from sites.faults import failpoint
from sites.models import Association

from .copying import SourceUnavailable, read_source, syndicatable, write_copy
from .index import frontend_root, public_url
from .models import Syndication, SyndicationEvent, SyndicationPolicy

log = logging.getLogger(__name__)
Status, Direction, CopyState = Syndication.Status, Syndication.Direction, Syndication.CopyState
SYNDICATED_SECTION_SLUG = INTERNAL_SECTION_SLUGS[0]
SYNDICATED_SECTION_TITLE = "转载"


class SyndicationError(Exception):
    """A syndication step that cannot be done; the message says why, in Chinese, for editors."""


# --- The hierarchy ---


def ancestors(site: Association) -> list[Association]:
    """The sites an item can be submitted to: parent, grandparent, ... (not archived, not the central office)."""
    sites = {s.pk: s for s in Association.objects.all()}
    chain, current = [], sites.get(site.parent_id)
    while current is not None and current not in chain:
        chain.append(current)
        current = sites.get(current.parent_id)
    return [s for s in chain if not s.archived_at and s.schema_name != get_public_schema_name()]


def descendants(site: Association) -> list[Association]:
    """The sites an item can be pushed down to. The central office's descendants are every site."""
    sites = list(Association.objects.exclude(schema_name=get_public_schema_name()).order_by("pk"))
    if site.schema_name == get_public_schema_name():
        return [s for s in sites if not s.archived_at]
    children: dict[int | None, list[Association]] = {}
    for each in sites:
        children.setdefault(each.parent_id, []).append(each)
    found, queue = [], list(children.get(site.pk, []))
    while queue:
        each = queue.pop(0)
        if each in found:
            continue
        found.append(each)
        queue.extend(children.get(each.pk, []))
    return [s for s in found if not s.archived_at]


# --- Up: submit, accept, decline ---


def submit(
    *, source_site: Association, page_id: int, target_site: Association, user_name: str, note: str = ""
) -> Syndication:
    if target_site.archived_at:
        raise SyndicationError(f"“{target_site.name}”已归档，不能接收稿件。")
    if target_site.pk not in {s.pk for s in ancestors(source_site)}:
        raise SyndicationError(f"只能报送给本站的上级网站；“{target_site.name}”不是“{source_site.name}”的上级。")
    page = _source_page(source_site, page_id)
    with transaction.atomic():
        record = _open_route(
            direction=Direction.UP,
            source_site=source_site,
            page=page,
            target_site=target_site,
            user_name=user_name,
            note=note,
        )
        _record(record, "submitted", user_name, detail=note)
    return record


def accept(
    *, syndication_id: int, receiver: Association, section_id: int, user=None, publish: bool = True
) -> Syndication:
    """Adopt a submitted item into one of the receiver's sections, as a copy with provenance."""
    gone = None
    with _undo_files_on_failure() as written, transaction.atomic():
        record = _pending_for(syndication_id, receiver)
        item, gone = _read_or_withdraw(record)
        if item is not None:
            with schema_context(receiver.schema_name):
                section = _section(section_id)
                copy = write_copy(
                    item,
                    parent=section,
                    provenance=_provenance(record, item),
                    media_map=record.media_map,
                    written_files=written,
                )
                landing = _land(copy, publish=publish, user=user)
            user_name = _name(user)
            record.status, record.decided_by, record.decided_at = Status.ACCEPTED, user_name, timezone.now()
            _copied(record, copy)
            _record(
                record, "accepted", user_name, detail=f"采用到栏目“{section.title}”，{landing}{item.restricted_note()}"
            )
    if gone:  # the withdrawal is committed; the editor is told why nothing was adopted
        raise SyndicationError(f"{gone}这条报送已自动撤回。")
    return record


def decline(*, syndication_id: int, receiver: Association, reason: str, user_name: str) -> Syndication:
    reason = (reason or "").strip()
    if not reason:
        raise SyndicationError("请填写退回理由，报送单位会看到它。")
    with transaction.atomic():
        record = _pending_for(syndication_id, receiver)
        record.status, record.decline_reason = Status.DECLINED, reason
        record.decided_by, record.decided_at = user_name, timezone.now()
        record.save()
        _record(record, "declined", user_name, detail=reason)
    return record


# --- Down: push to descendants ---


@dataclass
class PushResult:
    created: list[Syndication] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # receivers that already have this item


def push(
    *, source_site: Association, page_id: int, targets: Iterable[Association] | None, user_name: str, note: str = ""
) -> PushResult:
    """Record a push to the chosen descendants (all of them when `targets` is None); `deliver` lands each one."""
    allowed = {s.pk: s for s in descendants(source_site)}
    chosen = list(allowed.values()) if targets is None else list(targets)
    outside = [s.name for s in chosen if s.pk not in allowed]
    if outside:
        raise SyndicationError(
            f"只能下发给本站的下级网站：{'、'.join(outside)}不是“{source_site.name}”的下级或已归档。"
        )
    if not chosen:
        raise SyndicationError("没有可下发的下级网站。")
    page = _source_page(source_site, page_id)
    result = PushResult()
    with transaction.atomic():
        for target in chosen:
            try:
                with transaction.atomic():
                    record = _open_route(
                        direction=Direction.DOWN,
                        source_site=source_site,
                        page=page,
                        target_site=target,
                        user_name=user_name,
                        note=note,
                    )
                    _record(record, "pushed", user_name, detail=note)
                result.created.append(record)
            except SyndicationError:
                result.skipped.append(target.name)
    return result


def deliver(*, syndication_id: int, sources: dict | None = None) -> Syndication:
    """Land one pushed item on its receiver, as its policy says. A failure is recorded on the item, not raised.

    `sources` (from deliver_all) keeps each source's content once read, for the other receivers of a push."""
    try:
        with _undo_files_on_failure() as written, transaction.atomic():
            record = Syndication.objects.select_for_update().get(pk=syndication_id)
            if record.direction != Direction.DOWN or record.status != Status.PENDING:
                return record
            receiver = record.target_site
            if receiver is None or receiver.archived_at:
                raise SyndicationError(f"接收网站“{record.target_site_name}”已归档或删除。")
            item, _ = _read_or_withdraw(record, sources)
            if item is None:
                return record
            policy = SyndicationPolicy.objects.filter(site=receiver).first() or SyndicationPolicy(site=receiver)
            with schema_context(receiver.schema_name):
                section = _landing_section(policy)
                copy = write_copy(
                    item,
                    parent=section,
                    provenance=_provenance(record, item),
                    media_map=record.media_map,
                    written_files=written,
                )
                landing = _land(copy, publish=policy.landing == SyndicationPolicy.Landing.PUBLISH, user=None)
            record.status, record.decided_at = Status.DELIVERED, timezone.now()
            _copied(record, copy)
            _record(record, "delivered", "", detail=f"放入栏目“{section.title}”，{landing}{item.restricted_note()}")
            failpoint("syndication.deliver.before_commit")
        failpoint("syndication.deliver.after_commit")
    except SyndicationError as error:
        return _fail(syndication_id, str(error))
    except Exception as error:  # one receiver's failure is recorded; the push goes on to the others
        log.exception("Delivering syndication %s failed", syndication_id)
        return _fail(syndication_id, f"送达失败：{error}")
    return record


def deliver_all(*, syndication_ids: list[int], progress: Callable[[int, int, Syndication], None] | None = None) -> dict:
    """Deliver each pushed item in its own transaction; a rerun skips what already landed."""
    counts = {"delivered": 0, "failed": 0}
    sources: dict = {}
    for number, syndication_id in enumerate(syndication_ids, 1):
        record = deliver(syndication_id=syndication_id, sources=sources)
        counts["delivered" if record.status == Status.DELIVERED else "failed"] += 1
        if progress:
            progress(number, len(syndication_ids), record)
    return counts


def set_policy(*, site: Association, landing: str, section_id: int | None) -> SyndicationPolicy:
    if landing not in SyndicationPolicy.Landing.values:
        raise SyndicationError(f"未知的处理方式“{landing}”。")
    if section_id is not None:
        with schema_context(site.schema_name):
            _section(section_id)
    policy, _ = SyndicationPolicy.objects.update_or_create(
        site=site, defaults={"landing": landing, "section_id": section_id}
    )
    return policy


# --- Keeping copies true ---


def source_changed(*, page: Page, event: str) -> list[int]:
    """Called in the source's schema when a page is published, unpublished or deleted. Returns the
    records whose copies should now be brought up to the republished source (see refresh_copy)."""
    records = Syndication.objects.filter(
        source_site__schema_name=connection.schema_name,
        source_page_id=page.pk,
        status__in=Syndication.OPEN_STATUSES,
    )
    if event != "published":
        # Locked: an accept or delivery committing meanwhile is seen (and its copy flagged), not overwritten.
        records = records.select_for_update()
    if event == "published":
        return list(records.exclude(copy_page_id=None).values_list("pk", flat=True))
    state = CopyState.SOURCE_UNPUBLISHED if event == "unpublished" else CopyState.SOURCE_DELETED
    reason = "来源稿件已撤稿" if event == "unpublished" else "来源稿件已删除"
    for record in records:
        if record.status == Status.PENDING:
            record.status, record.error = Status.WITHDRAWN, reason
            record.save(update_fields=["status", "error"])
            _record(record, "withdrawn", "", detail=reason)
        elif record.copy_state != state:
            record.copy_state = state
            record.save(update_fields=["copy_state"])
            _record(record, "flagged", "", detail=reason)
    return []


def refresh_copy(*, syndication_id: int) -> Syndication:
    """Bring one copy up to its republished source: rewrite it if untouched, flag it if edited."""
    with _undo_files_on_failure() as written, transaction.atomic():
        record = Syndication.objects.select_for_update().get(pk=syndication_id)
        receiver = record.target_site
        if record.copy_page_id is None or receiver is None or receiver.archived_at or record.source_site is None:
            return record
        try:
            item = read_source(schema_name=record.source_site.schema_name, page_id=record.source_page_id)
        except SourceUnavailable:
            return record  # unpublishing and deleting flag copies on their own
        with schema_context(receiver.schema_name):
            copy = Page.objects.filter(pk=record.copy_page_id).first()
            if copy is None:
                record.status, record.error = Status.WITHDRAWN, "本站副本已删除"
                record.save(update_fields=["status", "error"])
                return record
            if copy.latest_revision_id != record.copy_revision_id:
                if record.copy_state != CopyState.SOURCE_CHANGED:
                    record.copy_state = CopyState.SOURCE_CHANGED
                    record.save(update_fields=["copy_state"])
                    _record(record, "flagged", "", detail="来源已更新，本站副本改动过，未自动更新")
                return record
            copy = write_copy(
                item,
                existing=copy,
                provenance=_provenance(record, item),
                media_map=record.media_map,
                written_files=written,
            )
            landing = _land(copy, publish=copy.live, user=None)
        record.source_title = item.page_fields["title"]
        _copied(record, copy)
        _record(record, "updated", "", detail=f"随来源更新，{landing}{item.restricted_note()}")
    return record


# --- Reads for the admin and the API ---


def inbox(site: Association):
    return Syndication.objects.filter(target_site=site, status=Status.PENDING).order_by("sent_at", "pk")


def received(site: Association):
    return Syndication.objects.filter(target_site=site, status__in=[Status.ACCEPTED, Status.DELIVERED])


def sent(site: Association):
    return Syndication.objects.filter(source_site=site)


# --- Helpers ---


def _source_page(source_site: Association, page_id: int) -> Page:
    if source_site.archived_at:
        raise SyndicationError(f"“{source_site.name}”已归档，不能报送或下发。")
    with schema_context(source_site.schema_name):
        page = Page.objects.filter(pk=page_id).first()
        if page is None:
            raise SyndicationError(f"本站没有编号为 {page_id} 的页面。")
        if not page.live:
            raise SyndicationError(f"“{page.title}”尚未发布，发布后才能报送或下发。")
        if not syndicatable(page):
            raise SyndicationError(f"“{page.title}”不是稿件（只有文章、通知公告、活动、艺术家、作品可以报送和下发）。")
        if getattr(page.specific, "syndication_id", None):
            raise SyndicationError(f"“{page.title}”本身是转载稿件，请由原发网站报送或下发。")
        if not public_pages(Page.objects.filter(pk=page.pk)).exists():
            raise SyndicationError(f"“{page.title}”设有访问限制（非公开），不能报送或下发。")
        from cms.pages.models import SiteSettings

        page.public_url = public_url(page, frontend_root(SiteSettings))
        return page


def _open_route(*, direction, source_site, page, target_site, user_name, note) -> Syndication:
    if target_site.archived_at:
        raise SyndicationError(f"“{target_site.name}”已归档，不能接收稿件。")
    existing = Syndication.objects.filter(
        source_site=source_site,
        source_page_id=page.pk,
        target_site=target_site,
        status__in=Syndication.OPEN_STATUSES,
    ).first()
    if existing is not None:
        raise SyndicationError(
            f"“{page.title}”已{existing.get_direction_display()}给“{target_site.name}”（{existing.get_status_display()}），不会重复。"
        )
    try:
        with transaction.atomic():
            return Syndication.objects.create(
                direction=direction,
                source_site=source_site,
                source_site_name=source_site.name,
                source_site_slug=source_site.slug,
                source_page_id=page.pk,
                source_title=page.title,
                source_url=page.public_url,
                canonical_url=page.public_url,
                target_site=target_site,
                target_site_name=target_site.name,
                target_site_slug=target_site.slug,
                note=note,
                sent_by=user_name,
            )
    except IntegrityError:  # a concurrent submission of the same item won
        raise SyndicationError(f"“{page.title}”已报送给“{target_site.name}”，不会重复。") from None


def _pending_for(syndication_id: int, receiver: Association) -> Syndication:
    record = Syndication.objects.select_for_update().filter(pk=syndication_id, target_site=receiver).first()
    if record is None:
        raise SyndicationError("本站收件箱中没有这条报送。")
    if record.status != Status.PENDING:
        raise SyndicationError(f"这条报送已处理（{record.get_status_display()}），不能重复处理。")
    if receiver.archived_at:
        raise SyndicationError(f"“{receiver.name}”已归档，不能采用稿件。")
    return record


def _read_or_withdraw(record: Syndication, sources: dict | None = None):
    """The source's live content, or (None, reason) with the item marked withdrawn in this transaction."""
    try:
        if record.source_site is None:
            raise SourceUnavailable("来源网站已删除。")
        key = (record.source_site.schema_name, record.source_page_id)
        if sources is not None and key in sources:
            return sources[key], None
        item = read_source(schema_name=key[0], page_id=key[1])
        if sources is not None:
            sources[key] = item
        return item, None
    except SourceUnavailable as error:
        connection.set_schema_to_public()
        record.status, record.error = Status.WITHDRAWN, str(error)
        record.save(update_fields=["status", "error"])
        _record(record, "withdrawn", "", detail=str(error))
        return None, str(error)


def _fail(syndication_id: int, reason: str) -> Syndication:
    with transaction.atomic():
        record = Syndication.objects.select_for_update().get(pk=syndication_id)
        if record.status == Status.PENDING:
            record.status, record.error = Status.FAILED, reason
            record.save(update_fields=["status", "error"])
            _record(record, "failed", "", detail=reason)
    return record


def _section(section_id: int):
    from cms.pages.models import SectionPage

    section = SectionPage.objects.filter(pk=section_id).first()
    if section is None:
        raise SyndicationError(f"本站没有编号为 {section_id} 的栏目。")
    return section


def _landing_section(policy: SyndicationPolicy):
    """The policy's section; else a 转载 section under the home page, made on first need (as a draft)."""
    from cms.pages.models import SectionPage

    if policy.section_id:
        section = SectionPage.objects.filter(pk=policy.section_id).first()
        if section is not None:
            return section
    section = SectionPage.objects.filter(slug=SYNDICATED_SECTION_SLUG, depth=3).first()
    if section is not None:
        return section
    from wagtail.models import Site

    home = Site.objects.get(is_default_site=True).root_page
    section = SectionPage(
        title=SYNDICATED_SECTION_TITLE,
        slug=SYNDICATED_SECTION_SLUG,
        intro="上级单位下发的稿件。",
        live=False,
        has_unpublished_changes=True,
    )
    home.add_child(instance=section)
    section.save_revision().publish()
    return section


def _provenance(record: Syndication, item) -> dict:
    return {
        "source_site_name": record.source_site_name,
        "source_url": item.url,
        "canonical_url": item.canonical_url,
        "syndication_id": record.pk,
    }


def _land(page, *, publish: bool, user) -> str:
    """Save the copy as a revision, then publish it as a local item would be published.

    A receiving editor who may publish here publishes at once; otherwise the copy goes into the
    section's review workflow when there is one (and is published directly when there is none).
    """
    revision = page.save_revision(user=user)
    if not publish:
        return "存为草稿"
    if user is not None and page.permissions_for_user(user).can_publish():
        return _publish(revision, user)
    workflow = page.get_workflow()
    if workflow is None:
        return _publish(revision, user)
    if not page.workflow_in_progress:
        workflow.start(page, user)
    return f"已提交审核（{workflow.name}）"


def _publish(revision, user) -> str:
    """Publish a landed copy. Screening (cms/review) runs at every publish against the receiver's lexicon
    and refuses with PermissionDenied: an editor accepting is told why and nothing is adopted; a delivery
    or an update without an editor keeps the copy as a draft and records why."""
    try:
        revision.publish(user=user)
    except PermissionDenied as refused:
        if user is not None:
            raise SyndicationError(str(refused)) from None
        return f"未发布，存为草稿（{refused}）"
    return "已发布"


def _name(user) -> str:
    return getattr(user, "get_username", lambda: "")() if user is not None else ""


# Steps the receiving site takes (or that land on it); the others are the sending site's.
RECEIVER_STEPS = {"accepted", "declined", "delivered"}


def _record(record: Syndication, action: str, actor: str, *, detail: str = "") -> None:
    SyndicationEvent.objects.create(
        syndication=record,
        action=action,
        actor=actor,
        from_site=record.source_site_name,
        to_site=record.target_site_name,
        detail=detail,
    )
    from cms.audit.services import record as audit_record

    site = record.target_site if action in RECEIVER_STEPS else record.source_site
    audit_record(
        f"syndication.{action}",
        username=actor or None,
        schema_name=site.schema_name if site is not None else None,
        object_type="syndication",
        object_id=record.pk,
        object_label=record.source_title,
        detail={"from": record.source_site_name, "to": record.target_site_name, "note": detail},
    )


def _copied(record: Syndication, copy) -> None:
    record.copy_page_id, record.copy_revision_id, record.copy_state = (
        copy.pk,
        copy.latest_revision_id,
        CopyState.IN_SYNC,
    )
    record.save()


@contextmanager
def _undo_files_on_failure():
    """Yields a list for the paths of media files written; they are removed if the step fails
    (the database rolls back by itself, files do not). Always ends back in the caller's schema."""
    previous = connection.tenant
    written: list[str] = []
    try:
        yield written
    except BaseException:
        for path in written:
            try:
                os.remove(path)
            except OSError:
                log.warning("Could not remove %s after a failed syndication step", path)
        raise
    finally:
        connection.set_tenant(previous)


def relink_restored_site(*, site: Association) -> int:
    """Give a site restored from a backup (same slug) back its syndication records, which its deletion
    left pointing to no site. Returns how many were relinked."""
    with transaction.atomic():
        sent = Syndication.objects.filter(source_site__isnull=True, source_site_slug=site.slug).update(source_site=site)
        received = Syndication.objects.filter(target_site__isnull=True, target_site_slug=site.slug).update(
            target_site=site
        )
    return sent + received
