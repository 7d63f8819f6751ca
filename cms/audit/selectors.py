"""Reading the audit log: the entries one admin may see, and the verification of the hash chains."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import QuerySet

from .chain import GENESIS_HASH, entry_hash
from .models import AuditAnchor, AuditEntry

VERIFY_CHUNK = 2000


def entries(*, schema_name: str | None) -> QuerySet[AuditEntry]:
    """Newest first. One site's entries (its schema), or every site's (None: the central office)."""
    queryset = AuditEntry.objects.order_by("-timestamp", "-id")
    if schema_name is not None:
        queryset = queryset.filter(schema_name=schema_name)
    return queryset


# The chains present, by a skip scan of the (schema_name, seq) index: one probe per chain, not a pass over
# every entry (a plain SELECT DISTINCT would read millions of rows to find a few thousand sites).
CHAINS_SQL = """
WITH RECURSIVE chain AS (
    SELECT min(schema_name) AS name FROM audit_auditentry
    UNION ALL
    SELECT (SELECT min(schema_name) FROM audit_auditentry WHERE schema_name > chain.name) FROM chain
    WHERE chain.name IS NOT NULL
)
SELECT name FROM chain WHERE name IS NOT NULL
"""


def chains() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(CHAINS_SQL)
        return [row[0] for row in cursor.fetchall()]


@dataclass
class Break:
    entry_id: int | None
    schema_name: str
    seq: int
    reason: str

    def __str__(self) -> str:
        where = f"entry {self.entry_id}" if self.entry_id is not None else "the chain"
        return f"{where} (chain {self.schema_name}, seq {self.seq}): {self.reason}"


@dataclass
class Verification:
    checked: dict[str, int] = field(default_factory=dict)  # chain -> entries checked
    breaks: list[Break] = field(default_factory=list)  # the first break of each broken chain

    @property
    def ok(self) -> bool:
        return not self.breaks

    @property
    def total(self) -> int:
        return sum(self.checked.values())


def verify(
    *, schema_names: list[str] | None = None, progress: Callable[[str, int], None] | None = None
) -> Verification:
    """Recompute every hash of each chain in order and check the links: each entry's own hash, its `prev_hash`
    against the entry before, numbers without gaps (a removed entry), and the start (seq 1 from the genesis
    hash, or a purge anchor). Reports the first broken entry of each chain."""
    result = Verification()
    for chain in schema_names if schema_names is not None else chains():
        count, problem = _verify_chain(chain)
        result.checked[chain] = count
        if problem is not None:
            result.breaks.append(problem)
        if progress:
            progress(chain, count)
    return result


def _verify_chain(chain: str) -> tuple[int, Break | None]:
    anchors = dict(AuditAnchor.objects.filter(schema_name=chain).values_list("seq", "hash"))
    previous: tuple[int, str] | None = None
    count = 0
    for entry in _in_order(chain):
        count += 1
        if previous is None:
            expected = (0, GENESIS_HASH) if entry.seq == 1 else (entry.seq - 1, anchors.get(entry.seq - 1))
            if expected[1] is None:
                return count, Break(entry.pk, chain, entry.seq, "the chain starts without a purge anchor before it")
        else:
            expected = previous
        if entry.seq != expected[0] + 1:
            return count, Break(entry.pk, chain, entry.seq, f"entries {expected[0] + 1} to {entry.seq - 1} are missing")
        if entry.prev_hash != expected[1]:
            return count, Break(entry.pk, chain, entry.seq, "its link to the entry before does not match")
        if entry_hash(entry) != entry.hash:
            return count, Break(entry.pk, chain, entry.seq, "its content does not match its hash (altered)")
        previous = (entry.seq, entry.hash)
    return count, None


def _in_order(chain: str) -> Iterator[AuditEntry]:
    """The chain in pages by seq (keyset), so memory stays flat over millions of entries."""
    after = -1
    while True:
        page = list(AuditEntry.objects.filter(schema_name=chain, seq__gt=after).order_by("seq")[:VERIFY_CHUNK])
        yield from page
        if len(page) < VERIFY_CHUNK:
            return
        after = page[-1].seq
