"""Public-opinion watch over GraphQL, for the central office's own tools (central host only, never anonymous).

Who may read: a logged-in central office user with the `watch.view_event` permission (a superuser has
it), or a tool sending `Authorization: Bearer <token>` with a token made by `cms manage watch_token`.
Answers are never cached (cms/api/views.py keeps watch queries out of the answer cache and private).

Lists are bounded (`first` 1–100) and every per-event list (counts, recent matches, handling steps) is
loaded for the whole page of events in one query.
"""

from __future__ import annotations

from datetime import timedelta

import graphene
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from cms.api.core.errors import ClientError
from cms.api.core.pagination import PageInfo, check_page_size, decode_cursor, encode_cursor, enum_value, first_argument
from cms.api.network.queries import id_argument
from cms.watch import selectors, services
from cms.watch.models import Event

MAX_OFFSET = 10_000
MAX_RECENT = 20

WatchStage = graphene.Enum(
    "WatchStage",
    [(value.upper(), value) for value in Event.Stage.values],
    description="Handling stage of an event: 监测 MONITORING → 研判 ANALYSING → 处置 HANDLING → 结束 CLOSED.",
)
CountBucket = graphene.Enum("WatchCountBucket", [("DAY", "day"), ("HOUR", "hour")])


def require_watch_reader(info) -> None:
    """Central host, and a staff session with the permission or a live token; else an error."""
    request = info.context
    if request.tenant.schema_name != get_public_schema_name():
        raise ClientError("The opinion watch is answered on the central office's host only.")
    if getattr(request, "_cms_watch_reader", False):
        return
    user = getattr(request, "user", None)
    allowed = bool(user and user.is_authenticated and user.is_active and user.has_perm("watch.view_event"))
    if not allowed:
        header = request.headers.get("Authorization", "")
        key = header[7:].strip() if header.lower().startswith("bearer ") else ""
        allowed = services.authenticate_token(key=key) is not None
    if not allowed:
        raise ClientError(
            "The opinion watch needs a central office login with permission to view events, "
            "or `Authorization: Bearer <token>` (cms manage watch_token)."
        )
    request._cms_watch_reader = True


def _seen(info, events) -> None:
    info.context.__dict__.setdefault("_cms_watch_event_ids", set()).update(event.pk for event in events)


def _batch(info, name: str, loader, pk: int, key=None) -> dict:
    """One load for all events of the answer: the ids the list (or single) resolvers saw."""
    cache = info.context.__dict__.setdefault("_cms_watch_batches", {})
    loaded = cache.get((name, key))
    if loaded is None or pk not in loaded[0]:
        ids = info.context.__dict__.setdefault("_cms_watch_event_ids", set()) | {pk}
        loaded = cache[(name, key)] = (ids, loader(sorted(ids)))
    return loaded[1]


class WatchCount(graphene.ObjectType):
    at = graphene.DateTime(required=True, description="Start of the day or hour (Asia/Shanghai)")
    count = graphene.Int(required=True)


MAX_DAYS = 31


class WatchTopic(graphene.ObjectType):
    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    rule = graphene.String(required=True)
    enabled = graphene.Boolean(required=True)
    threshold = graphene.Int(required=True)
    window_hours = graphene.Int(required=True)
    rule_error = graphene.String(description="Why the rule cannot be used, if it cannot (Chinese)")
    counts = graphene.List(
        graphene.NonNull(WatchCount),
        required=True,
        by=graphene.Argument(CountBucket, default_value="day"),
        days=graphene.Int(default_value=7, description=f"The last 1 to {MAX_DAYS} days"),
        description="Matches of the topic (all its events) per day or hour, oldest first",
    )

    def resolve_rule_error(parent, info):
        return parent.rule_error or None

    def resolve_counts(parent, info, by, days):
        if not 1 <= days <= MAX_DAYS:
            raise ClientError(f"`counts(days:)` must be between 1 and {MAX_DAYS}; got {days}.")
        bucket = enum_value(by)
        cache = info.context.__dict__.setdefault("_cms_watch_topic_counts", {})
        loaded = cache.get((bucket, days))
        if loaded is None or parent.pk not in loaded[0]:
            ids = info.context.__dict__.setdefault("_cms_watch_topic_ids", set()) | {parent.pk}
            since = timezone.now() - timedelta(days=days)
            loaded = cache[(bucket, days)] = (
                ids,
                selectors.topic_counts(topic_ids=sorted(ids), bucket=bucket, since=since),
            )
        return [{"at": at, "count": count} for at, count in loaded[1].get(parent.pk, [])]


class WatchMatch(graphene.ObjectType):
    title = graphene.String(required=True)
    url = graphene.String(required=True)
    source = graphene.String(required=True)
    published_at = graphene.DateTime(required=True)

    def resolve_title(parent, info):
        return parent.document.title

    def resolve_url(parent, info):
        return parent.document.url

    def resolve_source(parent, info):
        return parent.document.source.name

    def resolve_published_at(parent, info):
        return parent.matched_at


class WatchStep(graphene.ObjectType):
    from_stage = graphene.Field(WatchStage, required=True)
    to_stage = graphene.Field(WatchStage, required=True)
    note = graphene.String(required=True)
    user = graphene.String()
    handler = graphene.String()
    deadline = graphene.DateTime()
    at = graphene.DateTime(required=True)

    def resolve_user(parent, info):
        return parent.user.get_username() if parent.user else None

    def resolve_handler(parent, info):
        return parent.handler.get_username() if parent.handler else None

    def resolve_at(parent, info):
        return parent.created_at


class WatchEvent(graphene.ObjectType):
    id = graphene.ID(required=True)
    title = graphene.String(required=True)
    topic = graphene.Field(WatchTopic, required=True)
    stage = graphene.Field(WatchStage, required=True)
    stage_name = graphene.String(required=True)
    match_count = graphene.Int(required=True)
    started_at = graphene.DateTime(required=True)
    last_match_at = graphene.DateTime(required=True)
    alerted_at = graphene.DateTime()
    deadline = graphene.DateTime()
    handler = graphene.String()
    counts = graphene.List(
        graphene.NonNull(WatchCount),
        required=True,
        by=graphene.Argument(CountBucket, default_value="day"),
        description="Matches per day or hour, oldest first (at most a month of hours)",
    )
    recent_matches = graphene.List(
        graphene.NonNull(WatchMatch),
        required=True,
        first=graphene.Int(default_value=5, description=f"1 to {MAX_RECENT}"),
    )
    steps = graphene.List(graphene.NonNull(WatchStep), required=True, description="The handling record")

    def resolve_stage_name(parent, info):
        return parent.get_stage_display()

    def resolve_handler(parent, info):
        return parent.handler.get_username() if parent.handler else None

    def resolve_counts(parent, info, by):
        bucket = enum_value(by)
        counts = _batch(
            info, "counts", lambda ids: selectors.counts_over_time(event_ids=ids, bucket=bucket), parent.pk, bucket
        )
        return [{"at": at, "count": count} for at, count in counts.get(parent.pk, [])]

    def resolve_recent_matches(parent, info, first):
        if not 1 <= first <= MAX_RECENT:
            raise ClientError(f"`recentMatches(first:)` must be between 1 and {MAX_RECENT}; got {first}.")
        recent = _batch(
            info, "recent", lambda ids: selectors.recent_matches(event_ids=ids, per_event=first), parent.pk, first
        )
        return recent.get(parent.pk, [])

    def resolve_steps(parent, info):
        return _batch(info, "steps", lambda ids: selectors.handling_steps(event_ids=ids), parent.pk).get(parent.pk, [])


class WatchEventList(graphene.ObjectType):
    items = graphene.List(graphene.NonNull(WatchEvent), required=True)
    page_info = graphene.Field(PageInfo, required=True)


class WatchQuery:
    """Mixed into grapple's root Query (see cms/api/wagtail_hooks.py)."""

    watch_events = graphene.Field(
        WatchEventList,
        required=True,
        stage=graphene.Argument(WatchStage),
        topic=graphene.ID(),
        first=first_argument(),
        after=graphene.String(),
        description="Opinion events, latest match first (central office host; staff login or token).",
    )
    watch_event = graphene.Field(WatchEvent, id=graphene.ID(required=True))
    watch_topics = graphene.List(
        graphene.NonNull(WatchTopic), required=True, description="The watch's topics (at most 100)"
    )

    def resolve_watch_events(root, info, first, after=None, stage=None, topic=None):
        require_watch_reader(info)
        check_page_size(first)
        offset = decode_cursor(after, kind="watch")
        if offset > MAX_OFFSET:
            raise ClientError(f"`after` cursor goes {offset} items deep; watchEvents goes 0 to {MAX_OFFSET} deep.")
        rows = list(
            selectors.events(stage=enum_value(stage), topic_id=id_argument(topic, "topic"))[offset : offset + first + 1]
        )
        has_next = len(rows) > first
        rows = rows[:first]
        _seen(info, rows)
        return {
            "items": rows,
            "page_info": {
                "has_next_page": has_next,
                "end_cursor": encode_cursor(offset + first, kind="watch") if has_next else None,
            },
        }

    def resolve_watch_event(root, info, id):
        require_watch_reader(info)
        event = selectors.event(id_argument(id, "id"))
        _seen(info, [event] if event else [])
        return event

    def resolve_watch_topics(root, info):
        require_watch_reader(info)
        topics = list(selectors.topics()[:100])
        info.context.__dict__.setdefault("_cms_watch_topic_ids", set()).update(topic.pk for topic in topics)
        return topics
