"""Public-opinion watch: writes. Documents come in (`ingest`), are matched against every topic's rule at once,
grouped into events per topic and time window, and handlers are alerted when an event passes its threshold.

Everything here reads and writes the public schema (the watch belongs to the central office); a document
from a site carries that site, and a topic limited to a site only ever sees that site's documents.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, F, Max
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from cms.audit.services import record
from sites.models import Association

from . import feeds
from .models import Alert, ApiToken, Document, Event, HandlingStep, Match, Source, Topic
from .rules import RuleError, RuleSet, check

log = logging.getLogger(__name__)

BUILTIN_SOURCES = {Source.Kind.NETWORK: "网站群内容", Source.Kind.OPINIONS: "意见建议"}
MAX_TEXT = 20_000


# --- Topics and their compiled rules ---


def validate_rule(*, rule: str) -> None:
    """ValidationError on `rule` (with the position) if the rule cannot be parsed."""
    try:
        check(rule)
    except RuleError as error:
        raise ValidationError({"rule": f"规则无法解析：{error}"}) from None


_compiled: dict[str, tuple[tuple, RuleSet]] = {}
_compiled_lock = threading.Lock()


def rule_set() -> RuleSet:
    """Every enabled topic's rule in one automaton, compiled once per change of the topics in each process."""
    topics = Topic.objects.filter(enabled=True)
    stamp = tuple(topics.aggregate(n=Count("id"), changed=Max("updated_at")).values())
    with _compiled_lock:
        cached = _compiled.get("rules")
        if cached and cached[0] == stamp:
            return cached[1]
    compiled = RuleSet(topics.values_list("pk", "rule"))
    for topic_id, error in compiled.errors.items():  # saved before the parser learnt to refuse it, say
        Topic.objects.filter(pk=topic_id).exclude(rule_error=str(error)).update(rule_error=f"规则无法解析：{error}")
    with _compiled_lock:
        _compiled["rules"] = (stamp, compiled)
    return compiled


# --- Sources ---


def builtin_source(kind: str) -> Source:
    source, _ = Source.objects.get_or_create(kind=kind, defaults={"name": BUILTIN_SOURCES[kind], "url": ""})
    return source


# --- Ingesting documents ---


@dataclass
class Incoming:
    external_id: str
    text: str
    title: str = ""
    url: str = ""
    published_at: datetime | None = None
    site_id: int | None = None
    version: str = ""


def ingest(
    *,
    source: Source | str,
    text: str,
    url: str = "",
    published_at: datetime | None = None,
    title: str = "",
    external_id: str = "",
    site: Association | None = None,
) -> list[Match]:
    """Take in one document (an opinion, a page, a feed item) and match it against every topic.

    `source` is a Source or the kind of a built-in one ("opinions", "network"). `external_id` makes a
    resend idempotent (default: the URL, else a hash of the text): a document seen before with the same
    content is not matched again; a changed one is matched again for the topics it did not match before.
    Returns the new matches.
    """
    if isinstance(source, str):
        source = builtin_source(source)
    item = Incoming(
        external_id=external_id or url or hashlib.sha256(f"{title}\n{text}".encode()).hexdigest(),
        text=text,
        title=title,
        url=url,
        published_at=published_at,
        site_id=site.pk if site else None,
    )
    return ingest_many(source=source, items=[item])


def ingest_many(*, source: Source, items: list[Incoming]) -> list[Match]:
    """Store and match many documents of one source in one transaction: all of them or none."""
    now = timezone.now()
    with schema_context(get_public_schema_name()), transaction.atomic():
        existing = {
            row["external_id"]: row
            for row in Document.objects.filter(
                source=source, external_id__in=[item.external_id[:500] for item in items]
            ).values("id", "external_id", "content_hash", "version")
        }
        to_match: list[Document] = []
        for item in items:
            external_id = item.external_id[:500]
            text = (item.text or "")[:MAX_TEXT]
            title = (item.title or "")[:500]
            digest = hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()
            known = existing.get(external_id)
            if known and known["content_hash"] == digest:
                if item.version and known["version"] != item.version[:40]:  # republished unchanged
                    Document.objects.filter(pk=known["id"]).update(version=item.version[:40], removed_at=None)
                continue
            fields = {
                "url": (item.url or "")[:1000],
                "title": title,
                "text": text,
                "content_hash": digest,
                "published_at": min(item.published_at or now, now),  # a feed's future dates are not trusted
                "site_id": item.site_id,
                "removed_at": None,
                "version": item.version[:40],
            }
            if known:
                Document.objects.filter(pk=known["id"]).update(**fields)
                document = Document(pk=known["id"], source=source, external_id=external_id, **fields)
            else:
                document = Document.objects.create(source=source, external_id=external_id, **fields)
            existing[external_id] = {
                "id": document.pk,
                "external_id": external_id,
                "content_hash": digest,
                "version": item.version[:40],
            }
            to_match.append(document)
        return _match(to_match)


def _match(documents: list[Document]) -> list[Match]:
    if not documents:
        return []
    compiled = rule_set()
    hits: list[tuple[int, Document]] = []
    for document in documents:
        for topic_id in compiled.matches(f"{document.title}\n{document.text}"):
            hits.append((topic_id, document))
    if not hits:
        return []
    topics = {
        topic.pk: topic
        for topic in Topic.objects.filter(pk__in={topic_id for topic_id, _ in hits}, enabled=True)
        .order_by("pk")
        # Locked in id order: two workers matching at once cannot both start an event for one topic.
        .select_for_update()
    }
    already = set(
        Match.objects.filter(document__in=[d.pk for _, d in hits], topic__in=topics).values_list(
            "topic_id", "document_id"
        )
    )
    made = []
    for topic_id, document in sorted(hits, key=lambda hit: (hit[1].published_at, hit[1].pk)):
        topic = topics.get(topic_id)
        if topic is None or (topic_id, document.pk) in already:
            continue
        if topic.site_id is not None and document.site_id != topic.site_id:
            continue  # a site's own watch sees only that site
        made.append(_add_to_event(topic, document))
        already.add((topic_id, document.pk))
    return made


def _add_to_event(topic: Topic, document: Document) -> Match:
    at = document.published_at
    window = timedelta(hours=topic.window_hours)
    event = (
        Event.objects.filter(topic=topic, last_match_at__gte=at - window, started_at__lte=at + window)
        .exclude(stage=Event.Stage.CLOSED)
        .order_by("-last_match_at")
        .first()
    )
    if event is None:
        event = Event.objects.create(
            topic=topic,
            title=(document.title or document.text[:60] or topic.name)[:500],
            started_at=at,
            last_match_at=at,
            match_count=0,
        )
    match = Match.objects.create(topic=topic, document=document, event=event, matched_at=at)
    Event.objects.filter(pk=event.pk).update(match_count=F("match_count") + 1)
    event.refresh_from_db(fields=["match_count", "started_at", "last_match_at", "alerted_at", "deadline"])
    changed = []
    if at > event.last_match_at:
        event.last_match_at = at
        changed.append("last_match_at")
    if at < event.started_at:
        event.started_at = at
        changed.append("started_at")
    if event.alerted_at is None and event.match_count >= topic.threshold:
        _alert(topic, event)
        changed += ["alerted_at", "deadline"]
    if changed:
        event.save(update_fields=changed)
    return match


def _alert(topic: Topic, event: Event) -> None:
    """Tell the topic's handlers (admin dashboard and email, sent once the transaction commits)."""
    now = timezone.now()
    event.alerted_at = now
    if event.deadline is None:
        event.deadline = now + timedelta(days=topic.handling_days)
    handlers = list(topic.handlers.filter(is_active=True))
    Alert.objects.bulk_create(
        [Alert(event=event, user=user, match_count=event.match_count) for user in handlers], ignore_conflicts=True
    )
    recipients = [user.email for user in handlers if user.email]
    if not recipients:
        return
    subject = f"【舆情预警】{topic.name}：{event.title[:60]}"
    body = (
        f"专题“{topic.name}”的事件“{event.title}”命中已达{event.match_count}条（预警阈值{topic.threshold}条）。\n"
        f"开始时间：{timezone.localtime(event.started_at):%Y-%m-%d %H:%M}\n"
        f"处置期限：{timezone.localtime(event.deadline):%Y-%m-%d %H:%M}\n"
        "请登录管理中心 → 舆情监测 → 舆情事件 进行研判和处置。"
    )

    def send():
        try:
            send_mail(subject, body, None, recipients)
        except Exception:  # the alert is on the dashboard already; mail is a courtesy
            log.warning("Could not email the alert of watch event %s", event.pk, exc_info=True)

    transaction.on_commit(send)


def mark_documents_removed(*, site: Association, page_ids: list[int] | None) -> int:
    """Pages taken off the network: their documents stay (what was said is history), marked removed."""
    documents = Document.objects.filter(source__kind=Source.Kind.NETWORK, site=site, removed_at__isnull=True)
    if page_ids is not None:
        documents = documents.filter(external_id__in=[f"{site.pk}:{page_id}" for page_id in page_ids])
    return documents.update(removed_at=timezone.now())


# --- Handling (监测 → 研判 → 处置 → 结束) ---

STAGE_ORDER = [Event.Stage.MONITORING, Event.Stage.ANALYSING, Event.Stage.HANDLING, Event.Stage.CLOSED]


def allowed_stages(stage: str) -> list[str]:
    """The stages an event can move to: the next one, or straight to 结束 (a false alarm, say)."""
    if stage == Event.Stage.CLOSED:
        return [Event.Stage.MONITORING]  # reopened: it flared up again
    following = STAGE_ORDER[STAGE_ORDER.index(stage) + 1]
    return [following] if following == Event.Stage.CLOSED else [following, Event.Stage.CLOSED]


def record_handling(
    *,
    event: Event,
    to_stage: str,
    note: str,
    user,
    handler=None,
    deadline: datetime | None = None,
) -> HandlingStep:
    """Move an event to another stage with a note (and optionally a handler and deadline), recorded."""
    note = (note or "").strip()
    errors = {}
    if not note:
        errors["note"] = "请填写处置意见。"
    if to_stage not in Event.Stage.values:
        errors["to_stage"] = f"未知的处置阶段：{to_stage}"
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if to_stage in Event.Stage.values and to_stage not in allowed_stages(event.stage):
            names = "、".join(Event.Stage(stage).label for stage in allowed_stages(event.stage))
            errors["to_stage"] = (
                f"事件当前处于“{Event.Stage(event.stage).label}”阶段，不能转到“{Event.Stage(to_stage).label}”；可转到：{names}。"
            )
        if deadline is not None and deadline < timezone.now() and to_stage != Event.Stage.CLOSED:
            errors["deadline"] = "处置期限不能早于现在。"
        if errors:
            raise ValidationError(errors)
        step = HandlingStep.objects.create(
            event=event,
            from_stage=event.stage,
            to_stage=to_stage,
            note=note,
            user=user,
            handler=handler or event.handler,
            deadline=deadline or event.deadline,
        )
        event.stage = to_stage
        if handler is not None:
            event.handler = handler
        if deadline is not None:
            event.deadline = deadline
        event.closed_at = timezone.now() if to_stage == Event.Stage.CLOSED else None
        event.save(update_fields=["stage", "handler", "deadline", "closed_at"])
        record(
            "watch.handling",
            user=user,
            object_type="watch_event",
            object_id=event.pk,
            object_label=str(event)[:255],
            detail={"from": step.from_stage, "to": to_stage, "note": note},
        )
    return step


def mark_alerts_read(*, user, event_ids: list[int] | None = None) -> int:
    alerts = Alert.objects.filter(user=user, read_at__isnull=True)
    if event_ids is not None:
        alerts = alerts.filter(event_id__in=event_ids)
    return alerts.update(read_at=timezone.now())


# --- Feeds, fetched by the worker ---


def fetch_source(*, source_id: int) -> dict:
    """Fetch one feed and import its items, all or nothing. A bad feed is recorded on its source (in
    Chinese) and the task still succeeds: one broken feed never stops the worker or the other feeds."""
    with schema_context(get_public_schema_name()):
        source = Source.objects.filter(pk=source_id, kind=Source.Kind.FEED).first()
        if source is None:
            return {"status": "gone"}
        now = timezone.now()
        try:
            result = feeds.fetch(source.url, etag=source.etag, last_modified=source.last_modified)
            if result.not_modified:
                _record(source, now, status=Source.Status.NOT_MODIFIED)
                return {"status": "not_modified", "imported": 0}
            items = [
                Incoming(
                    external_id=item.external_id,
                    text=item.text,
                    title=item.title,
                    url=item.url,
                    published_at=item.published_at,
                )
                for item in result.items
            ]
            with transaction.atomic():
                before = set(
                    Document.objects.filter(
                        source=source, external_id__in=[i.external_id[:500] for i in items]
                    ).values_list("external_id", flat=True)
                )
                matches = ingest_many(source=source, items=items)
                imported = len({i.external_id[:500] for i in items} - before)
                _record(
                    source,
                    now,
                    status=Source.Status.OK,
                    etag=result.etag,
                    last_modified=result.last_modified,
                    imported=imported,
                )
            return {"status": "ok", "imported": imported, "matches": len(matches)}
        except feeds.FeedError as error:
            _record(source, now, status=Source.Status.ERROR, error=str(error))
            return {"status": "error", "error": str(error)}
        except Exception as error:  # our own failure while importing: nothing was kept, say so and go on
            log.exception("Importing feed %s failed", source_id)
            _record(source, now, status=Source.Status.ERROR, error=f"导入失败，未导入任何条目：{type(error).__name__}")
            return {"status": "error", "error": str(error)}


def _record(source: Source, now, *, status, error="", etag=None, last_modified=None, imported=0) -> None:
    failures = source.failures + 1 if status == Source.Status.ERROR else 0
    # A failing feed is tried less often (up to 8 intervals apart), never given up on.
    wait = timedelta(minutes=source.interval_minutes * min(2 ** max(failures - 1, 0), 8))
    fields = {
        "status": status,
        "last_error": error,
        "failures": failures,
        "last_fetched_at": now,
        "next_fetch_at": now + wait,
        "fetch_queued_at": None,
        "items_imported": F("items_imported") + imported,
    }
    if status != Source.Status.ERROR:
        fields["last_success_at"] = now
    if etag is not None:
        fields["etag"] = etag
    if last_modified is not None:
        fields["last_modified"] = last_modified
    Source.objects.filter(pk=source.pk).update(**fields)


# --- Tokens for the office's tools ---


def issue_token(*, name: str, user=None) -> str:
    """A new token for GraphQL (Authorization: Bearer <token>); only its hash is kept, shown once."""
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(name=name, key_hash=hashlib.sha256(key.encode()).hexdigest(), created_by=user)
    record("watch.token_issued", user=user, object_type="watch_token", object_id=token.pk, object_label=name)
    return key


def authenticate_token(*, key: str) -> ApiToken | None:
    """The live token with this key, its use recorded; None for an unknown or revoked one."""
    from .selectors import token_holder

    token = token_holder(key=key)
    if token is not None:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token


def revoke_token(*, token_id: int) -> None:
    if ApiToken.objects.filter(pk=token_id, revoked_at__isnull=True).update(revoked_at=timezone.now()):
        record("watch.token_revoked", object_type="watch_token", object_id=token_id)
