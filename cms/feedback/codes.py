"""Tracking codes (查询码): 80 random bits, shown as four groups of four characters (Crockford's base32).

Only an HMAC of the code is stored (keyed by SECRET_KEY), in the site's opinion and the public receipt: a
leaked table gives no codes, and a lookup compares digests in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # no I, L, O, U: nothing to misread
LENGTH = 16
# What people type instead: O for 0, I and L for 1.
_CONFUSED = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, LENGTH, 4))


def normalise(code: str) -> str | None:
    """The code's 16 characters, upper case, or None if it cannot be a code."""
    cleaned = "".join(ch for ch in (code or "").upper() if ch not in "- \t").translate(_CONFUSED)
    if len(cleaned) != LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def code_hash(code: str) -> str | None:
    cleaned = normalise(code)
    if cleaned is None:
        return None
    key = hashlib.sha256(b"opinion-code:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, cleaned.encode(), hashlib.sha256).hexdigest()


def same(stored: str, given: str) -> bool:
    return hmac.compare_digest(stored.encode(), given.encode())
