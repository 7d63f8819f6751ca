"""The hash chain: a canonical serialisation of an entry and its SHA-256, chained to the one before."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

GENESIS_HASH = "0" * 64
# Fields in the order they are serialised; changing it would break every stored hash.
HASHED_FIELDS = (
    "schema_name",
    "seq",
    "prev_hash",
    "timestamp",
    "action",
    "user_id",
    "username",
    "ip_address",
    "user_agent",
    "object_type",
    "object_id",
    "object_label",
    "detail",
)


def canonical_detail(detail: dict | None) -> str:
    """Detail as stored: JSON with sorted keys and no spaces, anything not JSON-native as text."""
    if not detail:
        return ""
    return json.dumps(detail, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def canonical_time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def serialise(entry) -> bytes:
    values = []
    for name in HASHED_FIELDS:
        value = getattr(entry, name)
        values.append(canonical_time(value) if name == "timestamp" else value)
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode()


def entry_hash(entry) -> str:
    return hashlib.sha256(serialise(entry)).hexdigest()
