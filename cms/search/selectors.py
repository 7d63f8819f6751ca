"""Searches: one site's pages (Wagtail's search index in the site's schema) and the whole
network (the national index in the public schema). Both segment the query the same way."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F, Q, Value, prefetch_related_objects
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


def _ranked(run, parsed: ParsedQuery, first: int, offset: int) -> tuple[list, int, str]:
    """All terms must match; when nothing does and there are several terms, any term may."""
    rows, total = run(_tsquery(parsed, "&"))
    if not total and len(parsed.terms) > 1:  # (every page decides alike: later pages count exactly)
        rows, total = run(_tsquery(parsed, "|"))
    return rows, total


# --- National search ---


def network_search(*, query: str, first: int = 20, offset: int = 0, **filters) -> Results:
    """Ranked entries of the national index. Filters as `cms.network.selectors.feed_entries`."""
    parsed = parse_query(query)
    if not parsed.terms:
        return Results(query=parsed)
    base = feed_entries(**filters).order_by()

    def run(tsquery):
        matching = base.filter(search_vector=tsquery)
        rows = list(
            matching.annotate(score=SearchRank(F("search_vector"), tsquery))
            .order_by("-score", "-published_at", "-id")
            .select_related("site")
            .prefetch_related("site__domains")[offset : offset + first + 1]
        )
        return rows, (len(rows) if offset == 0 and len(rows) <= first else matching.count())

    rows, total = _ranked(run, parsed, first, offset)
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

    def run(tsquery):
        matching = pages.annotate(
            _title=F("index_entries__title"),
            _body=F("index_entries__body"),
        ).filter(Q(_title=tsquery) | Q(_body=tsquery))
        score = Coalesce(SearchRank(F("index_entries__title"), tsquery), Value(0.0)) * TITLE_BOOST + Coalesce(
            SearchRank(F("index_entries__body"), tsquery), Value(0.0)
        )
        rows = list(
            matching.annotate(score=score, _text=F("index_entries__body_text"))
            .order_by("-score", "-first_published_at", "-pk")
            .values("pk", "score", "_text")[offset : offset + first + 1]
        )
        return rows, (len(rows) if offset == 0 and len(rows) <= first else matching.count())

    rows, total = _ranked(run, parsed, first, offset)
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
