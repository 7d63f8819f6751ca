"""Searches: one site's pages (Wagtail's search index in the site's schema) and the whole
network (the national index in the public schema). Both segment the query the same way."""

from __future__ import annotations

import datetime
import math
import time
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Count, F, FloatField, Func, Q, Value, Window, prefetch_related_objects
from django.db.models.functions import Coalesce
from wagtail.models import Page

from cms.network.models import CONTENT_TYPES, IndexEntry
from cms.network.selectors import feed_entries
from cms.pages.selectors import public
from cms.text.segmentation import SEARCH_CONFIG, ParsedQuery, normalize, parse_query, snippet
from sites.models import Association

SITE_TYPES = [*CONTENT_TYPES, "standard"]
TITLE_BOOST = 2.0


@dataclass
class Hit:
    entry: IndexEntry
    score: float
    snippet: str
    page: Page | None = None  # on a site's own search: the page itself, for its typed fields

    def __getattr__(self, name):
        # Everything else is the index entry's (GraphQL's SearchHit shares NetworkItem's fields).
        return getattr(self.__dict__["entry"], name)


@dataclass
class Results:
    query: ParsedQuery | None
    hits: list[Hit] = field(default_factory=list)
    has_next: bool = False
    total: int = 0


def _tsquery(parsed: ParsedQuery, operator: str) -> SearchQuery:
    return SearchQuery(parsed.tsquery(operator), search_type="raw", config=SEARCH_CONFIG)


def _raw(query: str) -> SearchQuery:
    return SearchQuery(query, search_type="raw", config=SEARCH_CONFIG)


# How well one query word matches a document, by where and how: a real word in the title, a real word in the
# text, then only the phrase of its characters (a word jieba cut otherwise, or 文学 inside 中文学校).
MATCH_QUALITY = {"title word": 1.0, "body word": 0.6, "title phrase": 0.4, "body phrase": 0.25}
# A word found in more than this share of the documents (and at least COMMON_FLOOR of them) is common: it
# weighs little, and documents are not gathered by it alone while the query has rarer words.
COMMON_SHARE = 0.01
COMMON_FLOOR = 50
FREQUENCY_SECONDS = 600  # document frequencies and table sizes are remembered this long, per process
WORD_GATHERING_MINIMUM = 5  # documents holding a rarer word as a word: enough to leave its phrase out (_ranked)

_frequencies: dict[tuple, tuple[float, int]] = {}
# Every ranked row carries the number of rows gathered: counted in the same scan, not by a second query.
_TOTAL = Window(expression=Count("pk"))


def _remembered(key: tuple, compute) -> int:
    now = time.monotonic()
    found = _frequencies.get(key)
    if found is None or now - found[0] > FREQUENCY_SECONDS:
        if len(_frequencies) > 20_000:
            _frequencies.clear()
        found = _frequencies[key] = (now, compute())
    return found[1]


def _table_rows(table: str) -> int:
    """PostgreSQL's estimate of a table's rows (in the current schema first), from its statistics."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)", [table])
        row = cursor.fetchone()
    return max(int(row[0]), 0) if row and row[0] is not None else 0


@dataclass
class Weights:
    """Each query word's weight, from how many documents hold it (counted up to `common`, in the scope)."""

    weights: list[float]
    informative: list[int]  # the words held by fewer than `common` documents


def word_weights(parsed: ParsedQuery, *, scope: tuple, table: str, count_up_to) -> Weights:
    """`count_up_to(tsquery, limit)` counts the documents matching a word, stopping at `limit`; the counts and
    the table's size are remembered per process for FREQUENCY_SECONDS under `scope` (schema and index)."""
    if len(parsed.terms) < 2:
        return Weights(weights=[1.0] * len(parsed.terms), informative=list(range(len(parsed.terms))))
    rows = _remembered((*scope, ""), lambda: _table_rows(table))
    common = max(COMMON_FLOOR, int(rows * COMMON_SHARE))
    counts = [
        _remembered((*scope, term, common), lambda query=query: count_up_to(query, common))
        for term, query in zip(parsed.terms, parsed.term_queries(), strict=True)
    ]
    return Weights(
        weights=[math.log(1 + common / max(count, 1)) for count in counts],
        informative=[number for number, count in enumerate(counts) if count < common],
    )


class CoverageScore(Func):
    """A document's score: the weights of the query's words it covers (a rare word weighs more than a common
    one), each scaled by how well it covers it (MATCH_QUALITY: from 1 for a word in the title to 5/8 for a
    phrase in the text). One word: only how well it matches orders the documents.

    Runs of words typed together (山花奖 → 山花 奖): holding a run's characters in order (in the title: 1, in
    the text: 0.6) adds half the weight of its words.

    Written as SQL directly (one CASE a word, its tests in falling order of value): built from Django's
    expressions, the twenty-odd CASE branches of a question cost more to compile than to run."""

    output_field = FloatField()

    def __init__(self, title, body, parsed: ParsedQuery, weights: list[float], *, weighted: bool):
        super().__init__(title, body)
        self.parsed, self.weights, self.weighted = parsed, weights, weighted

    def _parts(self) -> list[list[tuple[int, str, float]]]:
        """Per word and run: its tests as (column: 0 title, 1 body; raw tsquery; value), best first."""
        title, body = ("A", "B") if self.weighted else ("", "")
        column = (0, 0) if self.weighted else (0, 1)  # the national index has one vector, weighted A and B
        parts = []
        words = zip(self.parsed.term_parts(title), self.parsed.term_parts(body), self.weights, strict=True)
        for (word_t, phrase_t), (word_b, phrase_b), weight in words:
            tests = [(column[0], word_t, "title word"), (column[1], word_b, "body word")]
            if phrase_t:
                tests += [(column[0], phrase_t, "title phrase"), (column[1], phrase_b, "body phrase")]
            parts.append([(col, query, weight * (1 + MATCH_QUALITY[kind]) / 2) for col, query, kind in tests])
        by_term = dict(zip(self.parsed.terms, self.weights, strict=True))
        runs = zip(self.parsed.run_phrases(title), self.parsed.run_phrases(body), strict=True)
        for (run, phrase_t), (_, phrase_b) in runs:
            weight = 0.5 * sum(by_term.get(term, 1.0) for term in run)
            tests = [(column[0], phrase_t, "title word"), (column[1], phrase_b, "body word")]
            parts.append([(col, query, weight * (1 + MATCH_QUALITY[kind]) / 2) for col, query, kind in tests])
        return [sorted(tests, key=lambda test: -test[2]) for tests in parts]

    def as_sql(self, compiler, connection, **extra):
        columns = [compiler.compile(expression) for expression in self.get_source_expressions()]
        sql, params = [], []
        for tests in self._parts():
            branches = []
            for col, query, value in tests:
                column_sql, column_params = columns[col]
                branches.append(f"WHEN {column_sql} @@ to_tsquery('{SEARCH_CONFIG}', %s) THEN %s")
                params += [*column_params, query, value]
            sql.append("CASE " + " ".join(branches) + " ELSE 0.0 END")
        return "(" + " + ".join(sql) + ")", params


def _ranked(run, parsed: ParsedQuery, weights: Weights) -> tuple[list, int]:
    """Documents gathered by any of the query's rarer words (all words are rare in a small collection); with
    only common words, by all of them, else by any. The rarer words are looked for as words first: a word's
    phrase of characters (大 <-> 展 for 大展) makes PostgreSQL recheck every document holding those characters
    anywhere, which grows with the index, so phrases join the gathering only when fewer than
    WORD_GATHERING_MINIMUM documents hold the words themselves (they are still scored on every document
    gathered). Every page of results decides alike, so later pages count exactly. `run(tsquery)` ranks one
    gathering."""
    queries = parsed.term_queries()
    tiers: list[tuple[str, int]] = []
    if weights.informative:
        if len(parsed.terms) > 1:
            words = parsed.word_queries()
            tiers.append((" | ".join(words[number] for number in weights.informative), WORD_GATHERING_MINIMUM))
        tiers.append((" | ".join(queries[number] for number in weights.informative), 1))
        if len(weights.informative) < len(queries):
            tiers.append((" | ".join(queries), 1))  # the rarer words found nothing
    else:  # only common words: the documents with all of them, else any
        tiers = [(" & ".join(queries), 1), (" | ".join(queries), 1)]
    for tier, enough in tiers:
        rows, total = run(_raw(tier))
        if total >= enough:
            break
    return rows, total


# --- National search ---


def network_search(*, query: str, first: int = 20, offset: int = 0, **filters) -> Results:
    """Ranked entries of the national index. Filters as `cms.network.selectors.feed_entries`."""
    parsed = parse_query(query)
    if not parsed.terms:
        return Results(query=parsed)
    base = feed_entries(**filters).order_by()
    weights = word_weights(
        parsed,
        scope=("network",),
        table=IndexEntry._meta.db_table,
        count_up_to=lambda query, limit: feed_entries().order_by().filter(search_vector=_raw(query))[:limit].count(),
    )
    score = CoverageScore(F("search_vector"), F("search_vector"), parsed, weights.weights, weighted=True)

    def run(tsquery):
        matching = base.filter(search_vector=tsquery)
        rows = list(
            matching.annotate(score=score, rank=SearchRank(F("search_vector"), tsquery), _total=_TOTAL)
            .order_by("-score", "-rank", "-published_at", "-id")
            .select_related("site")
            .prefetch_related("site__domains")[offset : offset + first + 1]
        )
        return rows, (rows[0]._total if rows else matching.count() if offset else 0)

    rows, total = _ranked(run, parsed, weights)
    terms = parsed.highlight_terms
    hits = [
        Hit(entry=row, score=row.score, snippet=snippet(_snippet_source([row.summary], row, terms), terms))
        for row in rows[:first]
    ]
    return Results(query=parsed, hits=hits, has_next=len(rows) > first, total=total)


# --- One site's search, through Wagtail's index in the site's schema ---


def site_search(
    *,
    site: Association,
    query: str,
    page_type: str | None = None,
    section_path: str | None = None,
    art_form: str | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    first: int = 20,
    offset: int = 0,
) -> Results:
    """Ranked published, public pages of the current site (call in the site's schema)."""
    parsed = parse_query(query)
    if not parsed.terms:
        return Results(query=parsed)
    entries = feed_entries(
        site_id=site.pk,
        page_type=page_type,
        art_form=art_form,
        date_from=date_from,
        date_to=date_to,
        default_types=SITE_TYPES,
    ).order_by()
    pages = public(Page.objects.live()).filter(pk__in=entries.values("page_id"))
    if section_path:
        pages = pages.filter(path__startswith=section_path).exclude(path=section_path)

    def with_vectors(queryset):
        return queryset.annotate(_title=F("index_entries__title"), _body=F("index_entries__body"))

    site_pages = public(Page.objects.live())
    weights = word_weights(
        parsed,
        scope=(connection.schema_name, "site"),
        table="wagtailsearch_indexentry",
        count_up_to=lambda query, limit: (
            with_vectors(site_pages).filter(Q(_title=_raw(query)) | Q(_body=_raw(query)))[:limit].count()
        ),
    )
    score = CoverageScore(F("index_entries__title"), F("index_entries__body"), parsed, weights.weights, weighted=False)

    def run(tsquery):
        matching = with_vectors(pages).filter(Q(_title=tsquery) | Q(_body=tsquery))
        rank = Coalesce(SearchRank(F("index_entries__title"), tsquery), Value(0.0)) * TITLE_BOOST + Coalesce(
            SearchRank(F("index_entries__body"), tsquery), Value(0.0)
        )
        rows = list(
            matching.annotate(score=score, rank=rank, _text=F("index_entries__body_text"), _total=_TOTAL)
            .order_by("-score", "-rank", "-first_published_at", "-pk")
            .values("pk", "score", "_text", "_total")[offset : offset + first + 1]
        )
        return rows, (rows[0]["_total"] if rows else matching.count() if offset else 0)

    rows, total = _ranked(run, parsed, weights)
    rows = rows[: first + 1]
    prefetch_related_objects([site], "domains")  # every hit names this site
    by_page = {
        entry.page_id: entry for entry in IndexEntry.objects.filter(site=site, page_id__in=[r["pk"] for r in rows])
    }
    specific = {page.pk: page for page in Page.objects.filter(pk__in=[r["pk"] for r in rows[:first]]).specific()}
    terms = parsed.highlight_terms
    hits = []
    for row in rows[:first]:
        entry = by_page.get(row["pk"])
        if entry is None:
            continue
        entry.site = site
        text = _snippet_source([entry.summary, row["_text"] or ""], entry, terms)
        hits.append(
            Hit(entry=entry, score=float(row["score"]), snippet=snippet(text, terms), page=specific.get(row["pk"]))
        )
    return Results(query=parsed, hits=hits, has_next=len(rows) > first, total=total)


def _snippet_source(texts: list[str], entry: IndexEntry, terms: list[str]) -> str:
    """The first text with a match in it; else the title and summary (the match was in the title)."""
    for text in texts:
        folded = normalize(text)
        if any(term in folded for term in terms):
            return text
    return f"{entry.title}：{entry.summary}" if entry.summary else entry.title
