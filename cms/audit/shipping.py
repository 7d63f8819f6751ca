"""Optional: each committed entry as one JSON line for an outside collector (CMS_AUDIT_SHIP).

`file:/var/log/cms/audit.jsonl` appends to a file (reopened when rotated away); `syslog` writes to the
local syslog socket (/dev/log); `syslog:HOST:PORT` sends UDP syslog (facility auth), `syslog+tcp:HOST:PORT`
TCP. A collector that is down never stops an action: the line is lost and a warning logged, the entry
stays in the database (which is the record; `cms audit verify` proves it whole)."""

from __future__ import annotations

import json
import logging
import logging.handlers
import socket
import threading

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .chain import canonical_time

log = logging.getLogger("cms.audit")
_lock = threading.Lock()
_handler: tuple[str, logging.Handler] | None = None


def as_json_line(entry) -> str:
    return json.dumps(
        {
            "id": entry.pk,
            "site": entry.schema_name,
            "seq": entry.seq,
            "time": canonical_time(entry.timestamp),
            "action": entry.action,
            "user_id": entry.user_id,
            "username": entry.username,
            "ip": entry.ip_address,
            "user_agent": entry.user_agent,
            "object_type": entry.object_type,
            "object_id": entry.object_id,
            "object_label": entry.object_label,
            "detail": entry.details,
            "prev_hash": entry.prev_hash,
            "hash": entry.hash,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def validate_target(target: str) -> None:
    """Raise ImproperlyConfigured unless `target` is one of the forms CMS_AUDIT_SHIP accepts."""
    kind, _, rest = target.partition(":")
    if kind == "file" and rest:
        return
    if kind == "syslog" and not rest:
        return
    if kind in ("syslog", "syslog+tcp"):
        host, _, port = rest.rpartition(":")
        if host and port.isdigit() and 0 < int(port) < 65536:
            return
    raise ImproperlyConfigured(
        f"CMS_AUDIT_SHIP must be file:PATH, syslog, syslog:HOST:PORT or syslog+tcp:HOST:PORT, not {target!r}."
    )


def make_handler(target: str) -> logging.Handler:
    validate_target(target)
    kind, _, rest = target.partition(":")
    if kind == "file" and rest:
        handler: logging.Handler = logging.handlers.WatchedFileHandler(rest, encoding="utf-8")
    elif kind in ("syslog", "syslog+tcp"):
        if rest:
            host, _, port = rest.rpartition(":")
            socktype = socket.SOCK_STREAM if kind == "syslog+tcp" else socket.SOCK_DGRAM
            handler = logging.handlers.SysLogHandler(
                address=(host, int(port)), facility=logging.handlers.SysLogHandler.LOG_AUTH, socktype=socktype
            )
        else:
            handler = logging.handlers.SysLogHandler(
                address="/dev/log", facility=logging.handlers.SysLogHandler.LOG_AUTH
            )
        handler.setFormatter(logging.Formatter("cms-audit: %(message)s"))
        handler.append_nul = False
        return handler
    handler.setFormatter(logging.Formatter("%(message)s"))
    return handler


def _current_handler() -> logging.Handler:
    global _handler
    target = settings.CMS_AUDIT_SHIP
    with _lock:
        if _handler is None or _handler[0] != target:
            if _handler is not None:
                _handler[1].close()
            _handler = (target, make_handler(target))
        return _handler[1]


def ship(entry) -> None:
    try:
        handler = _current_handler()
        handler.handle(logging.LogRecord("cms.audit.ship", logging.INFO, "", 0, as_json_line(entry), None, None))
    except Exception:  # the collector is not the record: never fail the action for it
        log.warning("Shipping audit entry %s to %s failed", entry.pk, settings.CMS_AUDIT_SHIP, exc_info=True)
