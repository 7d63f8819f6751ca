"""The screening service: which words of a site's effective lexicon occur in some text, and where.

Matching is one Aho-Corasick automaton (ahocorasick-rs, Rust) over the normalised text
(cms/text/normalise.py), built from the site's effective lexicon: the national layer, each ancestor's,
then the site's own, words and exempted phrases together. A word found in several layers takes its
strictest level. A hit that overlaps an occurrence of an exempted phrase is suppressed: 路口交通
exempted (or 路口) means 口交 in "路口交通" is not a hit, while 口交 elsewhere still is.

Each process keeps the automata it built, keyed by the site's chain of layers and the lexicon version
(models.LexiconVersion), which every lexicon change moves in its own transaction. Each check reads the
version and the chain in one query, so a change reaches every process with its commit.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import ahocorasick_rs
from django.db import connection
from django.db.models import Q

from cms.text.normalise import normalise
from sites.models import Association

from .models import LEVEL_ORDER, Level, LexiconEntry, LexiconVersion

CONTEXT_CHARS = 12
CACHE_SIZE = 64
LEVEL_LABELS = dict(Level.choices)


@dataclass(frozen=True)
class Hit:
    word: str  # as the lexicon has it
    category: str
    level: str  # block, review, note
    field: str  # the label of the field it was found in
    start: int  # the exact span in that field's original text
    end: int
    matched: str  # the original text of the span (傻@冒 for the word 傻冒)
    context: str  # a few characters either side, the match in 【】

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS.get(self.level, self.level)

    def describe(self) -> str:
        return f"“{self.word}”（{self.category or '未分类'}，{self.level_label}）位于{self.field}：{self.context}"


@dataclass
class ScreeningResult:
    hits: list[Hit] = field(default_factory=list)

    def at(self, level: str) -> list[Hit]:
        return [hit for hit in self.hits if hit.level == level]

    @property
    def blocked(self) -> bool:
        return any(hit.level == Level.BLOCK for hit in self.hits)

    @property
    def needs_review(self) -> bool:
        return any(hit.level == Level.REVIEW for hit in self.hits)

    @property
    def review_words(self) -> list[str]:
        return sorted({hit.word for hit in self.at(Level.REVIEW)})


@dataclass(frozen=True)
class _Pattern:
    word: str | None  # None: only an exempted phrase
    category: str
    level: str
    exempt: bool


class Matcher:
    """One effective lexicon, compiled."""

    def __init__(self, entries):
        """`entries`: (normalised, word, category, level, kind) tuples, national layer first."""
        words: dict[str, tuple[str, str, str]] = {}
        exempt: set[str] = set()
        for normalised, word, category, level, kind in entries:
            if not normalised:
                continue
            if kind == LexiconEntry.Kind.EXEMPTION:
                exempt.add(normalised)
            elif normalised not in words or LEVEL_ORDER[level] > LEVEL_ORDER[words[normalised][2]]:
                words[normalised] = (word, category, level)
        keys = list(words) + sorted(exempt - words.keys())
        self.patterns = [
            _Pattern(*(words[key] if key in words else (None, "", "")), exempt=key in exempt) for key in keys
        ]
        self.word_count = len(words)
        self.automaton = ahocorasick_rs.AhoCorasick(keys) if keys else None

    def find(self, text: str) -> list[tuple[int, int, _Pattern]]:
        """Hits in `text` (already normalised): (start, end, pattern), exemptions applied."""
        if self.automaton is None:
            return []
        matches = self.automaton.find_matches_as_indexes(text, overlapping=True)
        if not matches:
            return []
        patterns = self.patterns
        exempted = sorted((start, end) for index, start, end in matches if patterns[index].exempt)
        hits = []
        for index, start, end in matches:
            pattern = patterns[index]
            if pattern.word is None or (exempted and _overlaps(exempted, start, end)):
                continue
            hits.append((start, end, pattern))
        return hits


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) shares a character with one of `spans` (exempted occurrences are few)."""
    return any(span_start < end and start < span_end for span_start, span_end in spans)


def screen(*, text_fields: dict[str, str], site: Association | None) -> ScreeningResult:
    """Screen each field's text against the site's effective lexicon (national only for `site` None)."""
    matcher = matcher_for(site)
    return screen_with(matcher, text_fields=text_fields)


def screen_with(matcher: Matcher, *, text_fields: dict[str, str]) -> ScreeningResult:
    result = ScreeningResult()
    for label, text in text_fields.items():
        if not text:
            continue
        normalised = normalise(text)
        for start, end, pattern in matcher.find(normalised.text):
            begin, finish = normalised.span(start, end)
            result.hits.append(
                Hit(
                    word=pattern.word,
                    category=pattern.category,
                    level=pattern.level,
                    field=label,
                    start=begin,
                    end=finish,
                    matched=text[begin:finish],
                    context=_context(text, begin, finish),
                )
            )
    return result


def _context(text: str, start: int, end: int) -> str:
    before = text[max(0, start - CONTEXT_CHARS) : start]
    after = text[end : end + CONTEXT_CHARS]
    clean = lambda s: " ".join(s.split())  # noqa: E731
    return (
        ("…" if start > CONTEXT_CHARS else "")
        + clean(before)
        + "【"
        + text[start:end]
        + "】"
        + clean(after)
        + ("…" if end + CONTEXT_CHARS < len(text) else "")
    )


# --- The per-process cache of compiled lexicons ---

_cache: OrderedDict[tuple[int, ...], tuple[int, Matcher]] = OrderedDict()
_lock = threading.Lock()


def matcher_for(site: Association | None) -> Matcher:
    version, chain = version_and_chain(site)
    key = tuple(chain)
    with _lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == version:
            _cache.move_to_end(key)
            return cached[1]
    matcher = Matcher(_entries(chain))
    with _lock:
        _cache[key] = (version, matcher)
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return matcher


def version_and_chain(site: Association | None) -> tuple[int, list[int]]:
    """The lexicon version and the site's layers (its ancestors, farthest first, then itself), in one query."""
    sites = Association._meta.db_table
    versions = LexiconVersion._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH RECURSIVE chain(id, parent_id, depth) AS (
                    SELECT id, parent_id, 0 FROM {sites} WHERE id = %s
                    UNION ALL
                    SELECT a.id, a.parent_id, c.depth + 1 FROM {sites} a JOIN chain c ON a.id = c.parent_id
                    WHERE c.depth < 32)
                SELECT (SELECT coalesce(max(version), 0) FROM {versions}),
                       ARRAY(SELECT id FROM chain ORDER BY depth DESC)""",  # noqa: S608 (our own table names)
            [site.pk if site is not None else None],
        )
        version, chain = cursor.fetchone()
    return version, list(chain or [])


def _entries(chain: list[int]):
    """National entries first, then each layer down the chain (the order only matters for display)."""
    rows = LexiconEntry.objects.filter(Q(site__isnull=True) | Q(site_id__in=chain)).values_list(
        "site_id", "normalised", "word", "category", "level", "kind"
    )
    order = {site_id: depth for depth, site_id in enumerate(chain, 1)}
    rows = sorted(rows, key=lambda row: order.get(row[0], 0))
    return [row[1:] for row in rows]


def site_of_schema(schema_name: str | None = None) -> Association | None:
    """The registry row of the connection's schema (None for a schema being built as a site template)."""
    tenant = getattr(connection, "tenant", None)
    schema_name = schema_name or connection.schema_name
    if isinstance(tenant, Association) and tenant.pk and tenant.schema_name == schema_name:
        return tenant
    return Association.objects.filter(schema_name=schema_name).first()
