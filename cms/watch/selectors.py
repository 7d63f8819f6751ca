"""Public-opinion watch: reads. Lists are bounded; counts over time are one grouped query for many events."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDay, TruncHour

from .models import Alert, ApiToken, Event, Match, Source, Topic

MAX_EVENTS = 100
MAX_BUCKETS = 24 * 31  # a month of hours per event at most


def events(*, stage: str | None = None, topic_id: int | None = None, since: datetime | None = None) -> QuerySet:
    """Events newest first (by their latest match), with their topic and handler."""
    rows = Event.objects.select_related("topic", "handler").order_by("-last_match_at", "-id")
    if stage:
        rows = rows.filter(stage=stage)
    if topic_id is not None:
        rows = rows.filter(topic_id=topic_id)
    if since is not None:
        rows = rows.filter(last_match_at__gte=since)
    return rows


def event(event_id: int) -> Event | None:
    return Event.objects.select_related("topic", "handler").filter(pk=event_id).first()


def counts_over_time(*, event_ids: list[int], bucket: str = "day") -> dict[int, list[tuple[datetime, int]]]:
    """Matches per day or hour (in the project's time zone) for each event: one query for all of them."""
    trunc = {"day": TruncDay, "hour": TruncHour}[bucket]
    zone = ZoneInfo(settings.TIME_ZONE)
    rows = (
        Match.objects.filter(event_id__in=event_ids)
        .annotate(bucket=trunc("matched_at", tzinfo=zone))
        .values("event_id", "bucket")
        .annotate(count=Count("id"))
        .order_by("event_id", "bucket")
    )
    counts: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    for row in rows:
        series = counts[row["event_id"]]
        if len(series) < MAX_BUCKETS:
            series.append((row["bucket"], row["count"]))
    return counts


def topic_counts(
    *, topic_ids: list[int], bucket: str = "day", since: datetime
) -> dict[int, list[tuple[datetime, int]]]:
    """Matches per day or hour since `since` for each topic (all its events): one query for all of them."""
    trunc = {"day": TruncDay, "hour": TruncHour}[bucket]
    rows = (
        Match.objects.filter(topic_id__in=topic_ids, matched_at__gte=since)
        .annotate(bucket=trunc("matched_at", tzinfo=ZoneInfo(settings.TIME_ZONE)))
        .values("topic_id", "bucket")
        .annotate(count=Count("id"))
        .order_by("topic_id", "bucket")
    )
    counts: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    for row in rows:
        counts[row["topic_id"]].append((row["bucket"], row["count"]))
    return counts


def recent_matches(*, event_ids: list[int], per_event: int) -> dict[int, list[Match]]:
    """The latest `per_event` matches of each event, with their documents and sources: one query."""
    from django.db.models import F, Window
    from django.db.models.functions import RowNumber

    ranked = (
        Match.objects.filter(event_id__in=event_ids)
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("event_id")], order_by=[F("matched_at").desc(), F("id").desc()])
        )
        .select_related("document", "document__source")
    )
    found: dict[int, list[Match]] = defaultdict(list)
    for match in ranked.filter(rank__lte=per_event).order_by("event_id", "-matched_at", "-id"):
        found[match.event_id].append(match)
    return found


def handling_steps(*, event_ids: list[int]) -> dict[int, list]:
    from .models import HandlingStep

    steps: dict[int, list] = defaultdict(list)
    for step in HandlingStep.objects.filter(event_id__in=event_ids).select_related("user", "handler"):
        steps[step.event_id].append(step)
    return steps


def topics() -> QuerySet:
    return Topic.objects.order_by("name")


def sources() -> QuerySet:
    return Source.objects.order_by("kind", "name")


def unread_alerts(*, user, limit: int = 20) -> list[Alert]:
    return list(
        Alert.objects.filter(user=user, read_at__isnull=True)
        .select_related("event", "event__topic")
        .order_by("-created_at")[:limit]
    )


def token_holder(*, key: str) -> ApiToken | None:
    """The live token with this key; None for an unknown or revoked one."""
    if not key:
        return None
    return ApiToken.objects.filter(key_hash=hashlib.sha256(key.encode()).hexdigest(), revoked_at__isnull=True).first()
