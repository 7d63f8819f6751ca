"""`cms benchmark search`: relevance and latency of national search against plain PostgreSQL full text.

The command builds a Chinese corpus (news articles, notices, artist profiles) in the national
index over a registry of 1,000 sites, a judged set of queries over it, and prints precision@10,
recall@10 and nDCG@10 for our search (`cms.search.selectors.network_search`) and for plain
unsegmented PostgreSQL search, with latency at p50 and p95.

How the judgments are made. Every document is generated either *about* named entities (an
artist, an award, a festival, a work, a genre, a motif) or as filler. Each document records the
entities it is about (grade 2) and the ones it only mentions (grade 1); a query names one entity,
and its judgments are read from those records, never from matching the query's text. The filler
vocabulary contains none of the entities (checked while generating), so each query has a small
set of relevant documents among 100,000. Some documents are relevant without containing the
query's words (synonyms: 央视春晚 for CCTV 春晚, 楷书 for 书法), and some contain them without
being relevant (北京剧场 holds 京剧, 迎春晚会 holds 春晚, the painter 韩梅笙's name holds 梅):
neither system can be perfect.

Runs on a throwaway PostgreSQL (see `cms.cli.cmd_benchmark`), or inside a test transaction at a
small size. The registry is `cms.network.benchmark.build_network`'s; its feed items are replaced
by this corpus, indexed exactly as `cms.network.index` indexes a page.
"""

from __future__ import annotations

import datetime
import math
import random
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.db import connection, transaction
from django.utils import timezone

from benchmarks import network as network_benchmark
from benchmarks.network import (
    DOMAIN_SUFFIX,
    PROVINCES,
    SECTIONS,
    TAGS,
    percentile,
    place_name,
)
from cms.network.models import CONTENT_TYPES, IndexEntry
from cms.pages.taxonomy import ArtForm
from cms.text.segmentation import index_text, normalize
from sites.models import Association

BAR_MS = 50.0  # DESIGN.md section 6: national search over 1,000 sites, p95 under 50 ms
BAR_DOCUMENTS = 100_000
BAR_SITES = 1000
SEED = 2026
TOP = 10
PASSES = 5  # timed passes over the query set, per system, after one warm-up pass
BASELINE_INDEX = "bench_baseline_simple_fts"
BASELINE_VECTOR = "to_tsvector('simple', title || ' ' || summary)"

# --- The judged corpus: entities, templates, queries and filler, in benchmarks/data/search_corpus.yaml ---

CORPUS_FILE = Path(__file__).resolve().parent / "data" / "search_corpus.yaml"
_data = yaml.safe_load(CORPUS_FILE.read_text(encoding="utf-8"))
# entity -> the entity it belongs to (a document about 兰亭奖 is about 书法 too)
PARENTS: dict[str, str] = _data["parents"]
# Strings that name an entity. Filler text contains none of them; a generated document that contains
# one must record its entity as a subject or a mention, or declare it a homonym (北京剧场 is not 京剧).
ANCHORS: dict[str, str] = _data["anchors"]
ANCHOR_PATTERN = re.compile("|".join(sorted(map(re.escape, ANCHORS), key=len, reverse=True)))


@dataclass(frozen=True)
class T:
    """A document template: `n` documents about the entity it is listed under (and `also`), mentioning `mentions`."""

    title: str
    summary: str
    n: int = 1
    type: str = "article"
    also: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    homonyms: tuple[str, ...] = ()  # anchors the text contains in another sense


@dataclass(frozen=True)
class Query:
    text: str
    kind: str
    target: str  # the entity the query asks for
    partial: tuple[str, ...] = ()  # documents about these are relevant in part (grade 1)


KINDS = [
    "one character",
    "two characters",
    "name, 3+ characters",
    "several words",
    "Chinese + English",
    "full-width Latin",
    "natural phrase",
    "held-out questions",  # added after the ranking rules were set; never used to choose them
]

# (entity the documents are about, or None for distractors; its art form; templates)
CATALOGUE: list[tuple[str | None, str, list[T]]] = [
    (
        group["entity"],
        group["art"],
        [T(**{k: tuple(v) if isinstance(v, list) else v for k, v in t.items()}) for t in group["templates"]],
    )
    for group in _data["catalogue"]
]
SLOTS: dict[str, list[str]] = _data["slots"]
QUERIES = [Query(**{k: tuple(v) if isinstance(v, list) else v for k, v in q.items()}) for q in _data["queries"]]

# --- Filler: the bulk of the index, in a vocabulary without the entities ----------------------

_filler = _data["filler"]
FILLER_ARTS: list[str] = _filler["arts"]  # no 书法, 杂技
FILLER_ARTICLES = [*network_benchmark.ARTICLE_TITLES, *_filler["articles"]]
FILLER_NOTICES = [*network_benchmark.NOTICE_TITLES, *_filler["notices"]]
FILLER_SUMMARIES = [*network_benchmark.SUMMARIES, *_filler["summaries"]]
FILLER_SURNAMES: str = _filler["surnames"]
FILLER_GIVEN: list[str] = _filler["given"]
FILLER_TYPES = [kind for kind, count in _filler["types"].items() for _ in range(count)]


# --- Building the corpus ----------------------------------------------------------------------


@dataclass
class Doc:
    page_type: str
    title: str
    summary: str
    art_forms: list[str]
    tags: list[str]
    subjects: frozenset[str] = frozenset()
    mentions: frozenset[str] = frozenset()
    role: str = "filler"  # "entity", "distractor" or "filler"
    site: Association | None = None  # the site whose name and region the text uses


@dataclass
class Corpus:
    documents: int
    sites: int
    by_type: dict[str, int]
    by_role: dict[str, int]
    queries: list[Query]
    judgments: dict[str, dict[int, int]]  # query text -> {IndexEntry id: grade}
    titles: dict[int, str]  # IndexEntry id -> title, for the judged and example documents
    seconds: float


def _closure(keys) -> set[str]:
    out = set()
    for key in keys:
        while key and key not in out:
            out.add(key)
            key = PARENTS.get(key)
    return out


def entity_documents(rng: random.Random, slots: Callable[[random.Random], dict]) -> list[Doc]:
    """The documents about the catalogue's entities and the distractors, each with what it is about."""
    docs = []
    for entity, art, templates in CATALOGUE:
        for template in templates:
            subjects = _closure(((entity,) if entity else ()) + template.also)
            mentions = _closure(template.mentions) - subjects
            for _ in range(template.n):
                words = slots(rng)
                doc = Doc(
                    page_type=template.type,
                    title=template.title.format(**words),
                    summary=template.summary.format(**words),
                    art_forms=[art],
                    tags=rng.sample(TAGS, 1),
                    subjects=frozenset(subjects),
                    mentions=frozenset(mentions),
                    role="entity" if subjects else "distractor",
                    site=words.get("_site"),
                )
                unrecorded = (
                    {ANCHORS[a] for a in ANCHOR_PATTERN.findall(_text(doc))}
                    - subjects
                    - mentions
                    - {ANCHORS[h] for h in template.homonyms}
                )
                if unrecorded:
                    raise ValueError(
                        f"Corpus template {template.title!r} names {sorted(unrecorded)} without judging it."
                    )
                docs.append(doc)
    return docs


def filler_document(rng: random.Random, slots: dict) -> Doc:
    """One document about none of the entities (regenerated until its text names none of them)."""
    for _ in range(50):
        page_type = rng.choice(FILLER_TYPES)
        words = {**slots, "art": rng.choice(FILLER_ARTS)}
        if page_type == "profile":
            title = words["person"]
            summary = "{region}{art}家，{org}会员，长期从事{art}创作，作品多次在{place}展出。".format(**words)
        else:
            title = rng.choice(FILLER_ARTICLES if page_type == "article" else FILLER_NOTICES).format(**words)
            summary = rng.choice(FILLER_SUMMARIES).format(**words)
        doc = Doc(
            page_type=page_type,
            title=title,
            summary=summary,
            art_forms=sorted({a.value for a in rng.sample(list(ArtForm), rng.randint(0, 2))}),
            tags=rng.sample(TAGS, rng.randint(1, 2)),
        )
        if not ANCHOR_PATTERN.search(_text(doc)):
            return doc
    raise ValueError("Could not draw a filler document without an entity name; check the filler vocabulary.")


def _text(doc: Doc) -> str:
    return normalize(" ".join([doc.title, doc.summary, *doc.tags, SECTIONS[doc.page_type][1]]))


@transaction.atomic
def build_corpus(
    *, documents: int = BAR_DOCUMENTS, sites: int | None = None, progress: Callable[[str], None] = print
) -> Corpus:
    """A registry of `sites` sites (bench_NNNN, no schemas) and `documents` content items in the national index.

    Deterministic: the same arguments build the same corpus. The entity documents and distractors
    are a fixed set; the rest, up to `documents`, is filler."""
    started = time.perf_counter()
    judged_count = sum(template.n for _, _, templates in CATALOGUE for template in templates)
    if documents < judged_count:
        raise ValueError(
            f"The search benchmark needs at least {judged_count} documents (its judged and distractor "
            f"documents); asked for {documents}."
        )
    sites = sites or min(BAR_SITES, max(5, documents // 100))
    network_benchmark.build_network(sites=sites, items_per_site=1, progress=progress)
    registry = list(Association.objects.filter(slug__startswith="bench-").order_by("pk"))
    # The registry's home and section entries stay (search skips them); its one feed item a site goes.
    IndexEntry.objects.filter(site__in=registry, page_type__in=CONTENT_TYPES).delete()
    parents = {site.pk: site.parent_id for site in registry}

    def ancestors(site: Association) -> list[int]:
        chain, current = [], site.parent_id
        while current is not None:
            chain.append(current)
            current = parents.get(current)
        return chain

    placement = {
        site.pk: {"site_kind": site.kind, "region": site.region, "ancestor_ids": ancestors(site)} for site in registry
    }
    rng = random.Random(SEED)
    now = timezone.now()

    def slots(rng: random.Random, site: Association | None = None) -> dict:
        site = site or rng.choice(registry)
        region = site.region if site.region in PROVINCES else rng.choice(PROVINCES)
        return {
            "place": place_name(rng.randrange(1024)),
            "region": region,
            "org": site.short_name,
            "n": rng.randint(2, 30),
            "year": now.year - rng.randint(0, 1),
            "month": f"{rng.randint(1, 12)}月",
            "person": rng.choice(FILLER_SURNAMES) + rng.choice(FILLER_GIVEN),
            "_site": site,
            **{name: rng.choice(values) for name, values in SLOTS.items()},
        }

    judged = entity_documents(rng, slots)
    progress(
        f"Corpus: {len(judged)} documents about the judged entities and distractors, "
        f"{documents - len(judged)} filler..."
    )
    # Judged documents are spread through the filler, at random positions and dates.
    positions = set(rng.sample(range(documents), len(judged)))
    judged_iter = iter(judged)
    next_page = dict.fromkeys(placement, 100)
    batch: list[tuple[IndexEntry, Doc]] = []
    kept: list[tuple[IndexEntry, Doc]] = []
    by_type: Counter = Counter()
    by_role: Counter = Counter()

    def flush():
        IndexEntry.objects.bulk_create([entry for entry, _ in batch], batch_size=2500)
        kept.extend((entry, doc) for entry, doc in batch if doc.role != "filler")
        batch.clear()

    for number in range(documents):
        words = slots(rng)
        doc = next(judged_iter) if number in positions else filler_document(rng, words)
        site = doc.site or words["_site"]
        page_id = next_page[site.pk]
        next_page[site.pk] += 1
        section_id, section_title, section_slug = SECTIONS[doc.page_type]
        published = now - datetime.timedelta(seconds=rng.uniform(0, 365 * 86400))
        url = f"http://{site.slug}.{DOMAIN_SUFFIX}/{section_slug}/p{page_id}/"
        entry = IndexEntry(
            site=site,
            page_id=page_id,
            page_type=doc.page_type,
            section_id=section_id,
            section_title=section_title,
            title=doc.title,
            summary=doc.summary,
            art_forms=doc.art_forms,
            tags=doc.tags,
            date=timezone.localdate(published),
            published_at=published,
            updated_at=published,
            url=url,
            canonical_url=url,
            **placement[site.pk],
        )
        # Exactly as cms.network.index._entries indexes a page
        entry.search_title = index_text(entry.title)
        entry.search_body = index_text(" ".join([entry.summary, " ".join(entry.tags), entry.section_title]))
        batch.append((entry, doc))
        by_type[doc.page_type] += 1
        by_role[doc.role] += 1
        if len(batch) >= 5000:
            flush()
            progress(f"  index: {number + 1}/{documents} documents")
    if batch:
        flush()
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {IndexEntry._meta.db_table}")

    judgments = {}
    for query in QUERIES:
        grades = {}
        for entry, doc in kept:
            if query.target in doc.subjects:
                grades[entry.pk] = 2
            elif query.target in doc.mentions or any(p in doc.subjects for p in query.partial):
                grades[entry.pk] = 1
        judgments[query.text] = grades
    return Corpus(
        documents=documents,
        sites=len(registry),
        by_type=dict(by_type),
        by_role=dict(by_role),
        queries=list(QUERIES),
        judgments=judgments,
        titles={entry.pk: entry.title for entry, _ in kept},
        seconds=time.perf_counter() - started,
    )


def add_baseline_index() -> None:
    """The expression index plain PostgreSQL search would have (not part of the models: benchmark only)."""
    with connection.cursor() as cursor:
        # Inside a transaction that just inserted rows (a test), their deferred foreign key checks must run first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {BASELINE_INDEX} ON {IndexEntry._meta.db_table} "
            f"USING gin (({BASELINE_VECTOR}))"
        )
        cursor.execute(f"ANALYZE {IndexEntry._meta.db_table}")


# --- The two systems --------------------------------------------------------------------------


def ours(query: str, first: int = TOP) -> list[int]:
    """National search as GraphQL's `search` runs it on the central host."""
    from cms.search.selectors import network_search

    return [hit.entry.pk for hit in network_search(query=query, first=first).hits]


BASELINE_SQL = f"""
SELECT id FROM {IndexEntry._meta.db_table}
WHERE page_type = ANY(%(types)s) AND {BASELINE_VECTOR} @@ plainto_tsquery('simple', %(q)s)
ORDER BY ts_rank({BASELINE_VECTOR}, plainto_tsquery('simple', %(q)s)) DESC, published_at DESC, id DESC
LIMIT %(first)s
"""  # noqa: S608 (our own table name)


def baseline(query: str, first: int = TOP) -> list[int]:
    """Plain PostgreSQL full text search on the unsegmented title and summary."""
    with connection.cursor() as cursor:
        cursor.execute(BASELINE_SQL, {"types": CONTENT_TYPES, "q": query, "first": first})
        return [row[0] for row in cursor.fetchall()]


SYSTEMS: dict[str, Callable[[str], list[int]]] = {"ours": ours, "plain": baseline}
SYSTEM_LABELS = {"ours": "ours: segmented (network_search)", "plain": "plain PostgreSQL, unsegmented"}


# --- Measuring --------------------------------------------------------------------------------


@dataclass
class Scores:
    precision: float
    recall: float
    ndcg: float


@dataclass
class Evaluation:
    per_query: dict[str, Scores]
    top: dict[str, list[int]]

    def mean(self, queries: list[Query] | None = None) -> Scores:
        rows = [self.per_query[q.text] for q in queries] if queries is not None else list(self.per_query.values())
        return Scores(
            precision=statistics.fmean(r.precision for r in rows),
            recall=statistics.fmean(r.recall for r in rows),
            ndcg=statistics.fmean(r.ndcg for r in rows),
        )


def score(ranked: list[int], grades: dict[int, int], k: int = TOP) -> Scores:
    """P@k = relevant (grade >= 1) in the top k / k; R@k = relevant in the top k / min(k, all relevant);
    nDCG@k with gain 2^grade - 1 and discount log2(rank + 1), ideal from all judged documents."""
    top = ranked[:k]
    found = sum(1 for pk in top if grades.get(pk, 0) > 0)
    relevant = sum(1 for grade in grades.values() if grade > 0)
    dcg = sum((2 ** grades.get(pk, 0) - 1) / math.log2(rank + 2) for rank, pk in enumerate(top))
    ideal = sum(
        (2**grade - 1) / math.log2(rank + 2) for rank, grade in enumerate(sorted(grades.values(), reverse=True)[:k])
    )
    return Scores(
        precision=found / k, recall=found / min(k, relevant) if relevant else 0.0, ndcg=dcg / ideal if ideal else 0.0
    )


def evaluate(corpus: Corpus, system: Callable[[str], list[int]]) -> Evaluation:
    per_query, top = {}, {}
    for query in corpus.queries:
        ranked = system(query.text)
        top[query.text] = ranked
        per_query[query.text] = score(ranked, corpus.judgments[query.text])
    return Evaluation(per_query=per_query, top=top)


def ndcg_by_kind(corpus: Corpus, evaluations: dict[str, Evaluation]) -> dict[str, dict[str, float]]:
    """{kind of query: {system: mean nDCG@10}}, for `cms bench`."""
    out = {}
    for kind in KINDS:
        group = [q for q in corpus.queries if q.kind == kind]
        if group:
            out[kind] = {name: evaluation.mean(group).ndcg for name, evaluation in evaluations.items()}
    return out


def ideal(corpus: Corpus) -> Scores:
    """The best any system could score on these judgments (P@10 is below 1 when fewer than 10 are relevant)."""
    rows = []
    for query in corpus.queries:
        grades = corpus.judgments[query.text]
        best = sorted(grades, key=grades.get, reverse=True)
        rows.append(score(best, grades))
    return Scores(precision=statistics.fmean(r.precision for r in rows), recall=1.0, ndcg=1.0)


@dataclass
class Latency:
    p50_ms: float
    p95_ms: float
    samples: int
    slowest: list[tuple[str, float]] = field(default_factory=list)  # query, median ms


def measure_latency(corpus: Corpus, *, passes: int = PASSES) -> dict[str, Latency]:
    """Each system over the query set: one warm-up pass, then `passes` timed passes, the systems alternating."""
    samples: dict[str, dict[str, list[float]]] = {name: {q.text: [] for q in corpus.queries} for name in SYSTEMS}
    for number in range(passes + 1):
        for name, system in SYSTEMS.items():
            for query in corpus.queries:
                started = time.perf_counter()
                system(query.text)
                if number:
                    samples[name][query.text].append((time.perf_counter() - started) * 1000)
    return {name: _latency(per_query) for name, per_query in samples.items()}


def _latency(per_query: dict[str, list[float]]) -> Latency:
    values = [v for vs in per_query.values() for v in vs]
    slowest = sorted(((q, statistics.median(vs)) for q, vs in per_query.items()), key=lambda x: -x[1])[:3]
    return Latency(
        p50_ms=statistics.median(values), p95_ms=percentile(values, 95), samples=len(values), slowest=slowest
    )


SEARCH_QUERY = """query($q: String!) { search(query: $q, first: 10) {
  totalCount items { title url type snippet score site { name domain } } } }"""


def measure_http(
    *,
    base_url: str,
    corpus: Corpus,
    passes: int = PASSES,
    host: str = "localhost",
    progress: Callable[[str], None] = print,
) -> Latency:
    """GraphQL `search` on the central host over real HTTP (GET, Cache-Control: no-cache: every request runs)."""
    import json

    import requests as http

    session = http.Session()
    headers = {"Host": host, "Accept": "application/json", "Cache-Control": "no-cache"}
    samples: dict[str, list[float]] = {q.text: [] for q in corpus.queries}
    for number in range(passes + 1):
        progress(f"  HTTP pass {number + 1}/{passes + 1}{' (warm-up)' if not number else ''}...")
        for query in corpus.queries:
            params = {"query": SEARCH_QUERY, "variables": json.dumps({"q": query.text}, ensure_ascii=False)}
            started = time.perf_counter()
            response = session.get(base_url, params=params, headers=headers, timeout=60)
            elapsed = (time.perf_counter() - started) * 1000
            payload = response.json() if response.headers.get("Content-Type", "").startswith("application/json") else {}
            if response.status_code != 200 or payload.get("errors") or "data" not in payload:
                raise RuntimeError(f"search {query.text!r}: HTTP {response.status_code} {response.text[:300]}")
            if number:
                samples[query.text].append(elapsed)
    return _latency(samples)


# --- Report -----------------------------------------------------------------------------------

EXAMPLES = ["梅", "京剧", "秦岚月", "CCTV 春晚", "ＶＲ展览", "墨梅图在哪里展出"]


def report(
    corpus: Corpus,
    evaluations: dict[str, Evaluation],
    latency: dict[str, Latency],
    *,
    http: Latency | None = None,
    workers: int | None = None,
) -> str:
    relevant = [sum(1 for g in corpus.judgments[q.text].values() if g > 0) for q in corpus.queries]
    kinds = Counter(q.kind for q in corpus.queries)
    types = ", ".join(f"{corpus.by_type.get(t, 0):,} {t}s" for t in ("article", "notice", "profile"))
    at_bar = corpus.documents >= BAR_DOCUMENTS and corpus.sites >= BAR_SITES
    lines = [
        "Chinese search: relevance and latency. National search over the national index (one public table).",
        (
            f"Corpus: {corpus.documents:,} documents ({types}) on {corpus.sites:,} sites; "
            f"{corpus.by_role.get('entity', 0)} written about the judged entities, {corpus.by_role.get('distractor', 0)}"
            f" distractors, the rest filler in a vocabulary without the entities. Seed {SEED}; built and indexed in"
            f" {corpus.seconds:.1f} s."
        ),
        (f"Queries: {len(corpus.queries)}: " + ", ".join(f"{kind} {kinds[kind]}" for kind in KINDS) + "."),
        (
            f"Judgments come from how each document was generated (what it is about: grade 2; what it mentions: 1),"
            f" not from matching text. Relevant documents a query: min {min(relevant)}, median"
            f" {statistics.median(relevant):g}, max {max(relevant)}."
        ),
        (
            "Metrics at 10, mean over queries: P@10 = relevant (grade >= 1) in the top 10 / 10; R@10 = relevant in the"
            " top 10 / min(10, all relevant); nDCG@10 with gain 2^grade - 1, discount log2(rank + 1)."
        ),
        (
            "ours: cms.search.selectors.network_search(query=q, first=10): jieba-segmented title (weight A) and"
            " summary + tags + section (B), words or character phrases; any word may match, ranked by the words a"
            " document covers (weighted by rarity), title above text, real words above phrases of characters."
        ),
        (
            f"plain: {BASELINE_VECTOR} @@ plainto_tsquery('simple', q), ranked by ts_rank, content types only, with an"
            " expression GIN index for it."
        ),
        (
            f"Latency in-process around the call (ours includes parsing, snippets and the Python around the SQL;"
            f" plain is the SQL): {PASSES} passes over the query set after a warm-up pass."
            + (
                f" HTTP: GraphQL `search` (GET, no-cache) on the central host, gunicorn, {workers} workers,"
                f" same passes."
                if http
                else ""
            )
        ),
        "",
    ]
    header = f"{'system':34}{'P@10':>7}{'R@10':>7}{'nDCG@10':>9}{'p50 ms':>9}{'p95 ms':>9}"
    if http:
        header += f"{'HTTP p50':>10}{'HTTP p95':>10}"
    lines += [header, "-" * len(header)]
    for name, evaluation in evaluations.items():
        mean = evaluation.mean()
        line = (
            f"{SYSTEM_LABELS[name]:34}{mean.precision:>7.3f}{mean.recall:>7.3f}{mean.ndcg:>9.3f}"
            f"{latency[name].p50_ms:>9.1f}{latency[name].p95_ms:>9.1f}"
        )
        if http:
            line += f"{http.p50_ms:>10.1f}{http.p95_ms:>10.1f}" if name == "ours" else f"{'-':>10}{'-':>10}"
        lines.append(line)
    best = ideal(corpus)
    lines.append(f"{'ideal (the judgments themselves)':34}{best.precision:>7.3f}{best.recall:>7.3f}{best.ndcg:>9.3f}")
    lines += ["", "By query kind, nDCG@10 and R@10 (ours | plain):"]
    for kind in KINDS:
        group = [q for q in corpus.queries if q.kind == kind]
        if not group:
            continue
        o, p = evaluations["ours"].mean(group), evaluations["plain"].mean(group)
        lines.append(
            f"  {kind:22}{len(group):>3}   nDCG {o.ndcg:.3f} | {p.ndcg:.3f}   R@10 {o.recall:.3f} | {p.recall:.3f}"
        )
    lines += [
        "",
        "Slowest queries (median ms): "
        + "; ".join(f"{name}: " + ", ".join(f"{q} {ms:.1f}" for q, ms in latency[name].slowest) for name in latency),
    ]
    lines += ["", "Examples: our top 3 ([2] about it, [1] mentions it, [0] not relevant); plain's hits in its top 10:"]
    for text in EXAMPLES:
        if text not in corpus.judgments:
            continue
        grades = corpus.judgments[text]
        ours_top = evaluations["ours"].top[text][:3]
        plain_hits = sum(1 for pk in evaluations["plain"].top[text] if grades.get(pk, 0) > 0)
        ndcg = {name: evaluation.per_query[text].ndcg for name, evaluation in evaluations.items()}
        lines.append(
            f"  {text}  (relevant {sum(1 for g in grades.values() if g > 0)}; nDCG ours {ndcg['ours']:.2f},"
            f" plain {ndcg['plain']:.2f}; plain found {plain_hits})"
        )
        for rank, pk in enumerate(ours_top, 1):
            lines.append(f"    {rank}. [{grades.get(pk, 0)}] {corpus.titles.get(pk) or _title(pk)}")
        if not ours_top:
            lines.append("    (no results)")
    worst = max(latency["ours"].p95_ms, http.p95_ms if http else 0.0)
    size = "" if at_bar else f" (this run is smaller than the bar's {BAR_DOCUMENTS:,} documents on {BAR_SITES:,} sites)"
    lines += [
        "",
        (
            f"Bar (DESIGN.md 6): national search p95 under {BAR_MS:.0f} ms: "
            f"{'met' if worst < BAR_MS else 'NOT met'} -- ours p95 {latency['ours'].p95_ms:.1f} ms in-process"
            + (f", {http.p95_ms:.1f} ms over HTTP" if http else "")
            + f"{size}."
        ),
    ]
    return "\n".join(lines)


def _title(pk: int) -> str:
    return IndexEntry.objects.filter(pk=pk).values_list("title", flat=True).first() or f"#{pk}"
