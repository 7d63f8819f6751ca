"""Abuse control without any outside service: a signed form token with a minimum fill time, a honeypot field,
rate limits per address and per contact (a counter table in the public schema, keyed by site), size limits,
and attachments whose type is sniffed from their bytes."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import io
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import connection
from django.utils import timezone

from .receipts.models import RateCounter

TOKEN_SALT = "cms.feedback.form-token"  # noqa: S105 - a signing salt, not a password


class SubmissionError(Exception):
    """A submission or lookup refused: a Chinese message for the person, the HTTP status, the field at fault."""

    def __init__(self, message: str, *, status: int = 400, field: str = ""):
        super().__init__(message)
        self.message = message
        self.status = status
        self.field = field


@dataclass(frozen=True)
class Limits:
    min_fill_seconds: float
    token_max_age: int
    per_address: int
    per_contact: int
    window_seconds: int
    lookups_per_address: int
    lookup_window_seconds: int
    max_content_chars: int
    max_name_chars: int
    max_contact_chars: int
    max_address_chars: int
    max_attachments: int
    max_attachment_bytes: int


def limits() -> Limits:
    conf = settings.CMS_OPINION_LIMITS
    return Limits(**conf)


# --- the form token: when the form was handed out, for this site ---


def form_token(*, schema_name: str, now: float | None = None) -> str:
    issued = now if now is not None else timezone.now().timestamp()
    return signing.Signer(salt=TOKEN_SALT).sign_object({"s": schema_name, "t": int(issued * 1000) / 1000})


def check_form_token(token: str, *, schema_name: str, now: float | None = None) -> None:
    lim = limits()
    try:
        payload = signing.Signer(salt=TOKEN_SALT).unsign_object(token or "")
        site, issued = payload["s"], float(payload["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise SubmissionError("表单校验码无效，请刷新页面后重新填写。", field="formToken") from None
    if not hmac.compare_digest(str(site), schema_name):
        raise SubmissionError("表单校验码不属于本网站，请刷新页面后重新填写。", field="formToken")
    filled = (now if now is not None else timezone.now().timestamp()) - issued
    if filled > lim.token_max_age:
        raise SubmissionError("表单已过期，请刷新页面后重新填写。", field="formToken")
    if filled < lim.min_fill_seconds:
        raise SubmissionError("提交过快，请稍候再提交。", status=429, field="formToken")


def check_honeypot(value: str | None) -> None:
    if value:
        raise SubmissionError("提交未被接受。", field="website")


# --- rate limits ---


def fingerprint(value: str) -> str:
    """A keyed hash of an address or contact: counts and matches without keeping the value itself."""
    key = hashlib.sha256(b"opinion-fingerprint:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, value.strip().lower().encode(), hashlib.sha256).hexdigest()[:40]


def hits(*counts: tuple[str, str], window_seconds: int, now: datetime.datetime | None = None) -> list[int]:
    """Count one attempt for each (what, value) of this site in the current window; the counts so far, in order.

    One statement, atomic across processes (INSERT ... ON CONFLICT ... RETURNING), committed at once, so a
    refused submission still counts."""
    now = now or timezone.now()
    epoch = int(now.timestamp())
    window_start = datetime.datetime.fromtimestamp(epoch - epoch % window_seconds, tz=datetime.UTC)
    keys = [f"{connection.schema_name}:{what}:{fingerprint(value)}" for what, value in counts]
    if not keys:
        return []
    table = RateCounter._meta.db_table
    values = ", ".join(["(%s, %s, 1)"] * len(keys))
    params = [item for key in keys for item in (key, window_start)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO public.{table} (key, window_start, count) VALUES {values}
                ON CONFLICT (key, window_start) DO UPDATE SET count = {table}.count + 1
                RETURNING key, count""",  # noqa: S608 (our own table name; values are parameters)
            params,
        )
        found = dict(cursor.fetchall())
    return [found[key] for key in keys]


def check_rate(*, address: str | None, contact: str) -> None:
    lim = limits()
    asked = [("post-ip", address)] if address else []
    if contact:
        asked.append(("post-contact", contact))
    counts = dict(zip([what for what, _ in asked], hits(*asked, window_seconds=lim.window_seconds), strict=True))
    minutes = lim.window_seconds // 60
    if counts.get("post-ip", 0) > lim.per_address:
        raise SubmissionError(
            f"您提交得太频繁了（每 {minutes} 分钟最多 {lim.per_address} 条），请稍后再试。", status=429
        )
    if counts.get("post-contact", 0) > lim.per_contact:
        raise SubmissionError(
            f"同一联系方式提交得太频繁了（每 {minutes} 分钟最多 {lim.per_contact} 条），请稍后再试。", status=429
        )


def check_lookup_rate(*, address: str | None) -> None:
    lim = limits()
    if address and hits(("lookup", address), window_seconds=lim.lookup_window_seconds)[0] > lim.lookups_per_address:
        raise SubmissionError("查询过于频繁，请稍后再试。", status=429)


def forget_old_counters(*, before: datetime.datetime) -> int:
    return RateCounter.objects.filter(window_start__lt=before).delete()[0]


# --- attachments: the type from the bytes, never the name ---

ALLOWED_TYPES = {
    "application/pdf": ("pdf",),
    "image/png": ("png",),
    "image/jpeg": ("jpg", "jpeg"),
    "image/gif": ("gif",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("xlsx",),
    "application/msword": ("doc",),
    "application/vnd.ms-excel": ("xls",),
    "text/plain": ("txt",),
}
ALLOWED_LABEL = "PDF、PNG、JPG、GIF、Word（doc/docx）、Excel（xls/xlsx）、TXT"


def sniff(data: bytes) -> str | None:
    """The content type the bytes really are (among the allowed ones), or None."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, ValueError):
            return None
        if "[Content_Types].xml" in names and any(n.startswith("word/") for n in names):
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return None
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/msword"  # OLE: doc or xls; the name's extension says which
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\x00" in text or any(ord(ch) < 32 and ch not in "\r\n\t\f" for ch in text):
        return None
    return "text/plain"


def check_attachment(*, name: str, data: bytes) -> str:
    """The sniffed content type of an acceptable attachment; SubmissionError naming what is wrong otherwise."""
    lim = limits()
    name = (name or "").strip()
    if not name or len(name) > 200 or "/" in name or "\\" in name:
        raise SubmissionError("附件须有文件名（不超过 200 个字符，不含路径）。", field="attachments")
    if len(data) == 0:
        raise SubmissionError(f"附件“{name}”是空文件。", field="attachments")
    if len(data) > lim.max_attachment_bytes:
        raise SubmissionError(
            f"附件“{name}”超过 {lim.max_attachment_bytes // 1024} KB 的上限。", status=413, field="attachments"
        )
    kind = sniff(data)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if kind == "application/msword" and extension == "xls":
        kind = "application/vnd.ms-excel"
    if kind is None:
        raise SubmissionError(f"附件“{name}”的内容不是允许的类型（{ALLOWED_LABEL}）。", status=415, field="attachments")
    if extension not in ALLOWED_TYPES[kind]:
        raise SubmissionError(
            f"附件“{name}”的扩展名与其实际内容（{ALLOWED_TYPES[kind][0].upper()}）不符。",
            status=415,
            field="attachments",
        )
    return kind
