"""Search on Elasticsearch, when ELASTICSEARCH_URL is set: one shared index for every site.

Thousands of sites cannot each have an index (the cluster's shard limits), so every document
carries its site (`tenant`, the schema name) and is stored with `routing=tenant`: a site's
search goes to one shard and filters on its tenant; the national search reads them all.
Chinese analysis uses smartcn or IK when the cluster has the plugin, else the built-in `cjk`
analyzer (bigrams), chosen when the index is created. Queries and mappings are written with
the Elasticsearch DSL (`elasticsearch.dsl`).

Documents follow the national index: `cms.network.index` hands over every entry it writes
(with the page's body text and tree path), and they are sent after the transaction commits,
with `refresh="wait_for"` so a page is searchable when its publishing returns.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.dateparse import parse_date, parse_datetime
from elasticsearch import Elasticsearch, helpers
from elasticsearch.dsl import Index, Mapping, Q, Search

from cms.network.models import CONTENT_TYPES, IndexEntry
from cms.text.segmentation import parse_query
from sites.models import Association

from .selectors import SITE_TYPES, Hit, Results

log = logging.getLogger(__name__)

# Plugin name -> (index analyzer, search analyzer); the first one the cluster has wins.
CHINESE_PLUGINS = {
    "analysis-ik": ("ik_max_word", "ik_smart"),
    "analysis-smartcn": ("smartcn", "smartcn"),
}
FALLBACK_ANALYZER = ("cjk", "cjk")
SEARCH_FIELDS = ["title^3", "summary^2", "tags^2", "section_title", "body"]
HIGHLIGHT_FIELDS = ["summary", "body", "title"]


def analyzers_for(plugins: set[str]) -> tuple[str, str]:
    for plugin, pair in CHINESE_PLUGINS.items():
        if plugin in plugins:
            return pair
    return FALLBACK_ANALYZER


def content_index(name: str, analyzers: tuple[str, str]) -> Index:
    """The shared index: its settings and mapping."""
    index_analyzer, search_analyzer = analyzers
    text = {"analyzer": index_analyzer, "search_analyzer": search_analyzer}
    mapping = Mapping()
    for keyword in ("tenant", "page_type", "site_kind", "region", "art_forms", "source_site_name", "path"):
        mapping.field(keyword, "keyword")
    for number in ("entry_id", "site_id", "page_id", "section_id", "parent_id", "ancestor_ids"):
        mapping.field(number, "long")
    for text_field in ("title", "summary", "section_title", "body"):
        mapping.field(text_field, "text", **text)
    mapping.field("tags", "text", fields={"raw": {"type": "keyword"}}, **text)
    for date in ("date", "published_at", "updated_at"):
        mapping.field(date, "date")
    for stored in ("url", "canonical_url"):
        mapping.field(stored, "keyword", index=False)
    index = Index(name)
    index.settings(number_of_shards=settings.ELASTICSEARCH_SHARDS, number_of_replicas=settings.ELASTICSEARCH_REPLICAS)
    index.mapping(mapping)
    return index


def document_id(tenant: str, page_id: int) -> str:
    return f"{tenant}:{page_id}"


def document_for(entry: IndexEntry, *, tenant: str, body: str, path: str) -> dict:
    return {
        "entry_id": entry.pk,
        "tenant": tenant,
        "site_id": entry.site_id,
        "page_id": entry.page_id,
        "page_type": entry.page_type,
        "section_id": entry.section_id,
        "section_title": entry.section_title,
        "title": entry.title,
        "summary": entry.summary,
        "body": body,
        "tags": list(entry.tags),
        "art_forms": list(entry.art_forms),
        "site_kind": entry.site_kind,
        "region": entry.region,
        "parent_id": entry.ancestor_ids[0] if entry.ancestor_ids else None,
        "ancestor_ids": list(entry.ancestor_ids),
        "date": entry.date.isoformat() if entry.date else None,
        "published_at": entry.published_at.isoformat(),
        "updated_at": entry.updated_at.isoformat(),
        "url": entry.url,
        "canonical_url": entry.canonical_url,
        "source_site_name": entry.source_site_name,
        "path": path,
    }


def index_actions(index: str, tenant: str, documents: list[dict], removed_page_ids: list[int]) -> list[dict]:
    """Bulk actions: each document stored and deleted under its tenant's routing."""
    actions = [
        {
            "_op_type": "index",
            "_index": index,
            "_id": document_id(tenant, doc["page_id"]),
            "_routing": tenant,
            "_source": doc,
        }
        for doc in documents
    ]
    actions += [
        {"_op_type": "delete", "_index": index, "_id": document_id(tenant, page_id), "_routing": tenant}
        for page_id in removed_page_ids
    ]
    return actions


def text_query(query: str) -> Q:
    """The words of a query as PostgreSQL search ranks them: any of them may match (not all-or-nothing), each
    as a phrase of its characters in any field (title boosted); Elasticsearch's scoring (BM25) adds up the
    words a document covers, a rare word weighing more than a common one. Runs of words typed together
    (山花奖 → 山花 奖) count again, at half weight, where they appear as typed."""
    parsed = parse_query(query)
    words = [Q("multi_match", query=term, fields=SEARCH_FIELDS, type="phrase") for term in parsed.terms]
    runs = [Q("multi_match", query="".join(run), fields=SEARCH_FIELDS, type="phrase", boost=0.5) for run in parsed.runs]
    return Q("bool", should=words + runs, minimum_should_match=1)


def search_request(
    *,
    index: str,
    query: str,
    tenant: str | None = None,
    page_type: str | None = None,
    kind: str | None = None,
    region: str | None = None,
    parent_id: int | None = None,
    under_id: int | None = None,
    site_id: int | None = None,
    section_id: int | None = None,
    section_path: str | None = None,
    art_form: str | None = None,
    date_from=None,
    date_to=None,
    first: int = 20,
    offset: int = 0,
) -> Search:
    """One search: a site's own (routed to its shard, filtered on its tenant) or the network's."""
    search = Search(index=index)
    if tenant is not None:
        search = search.params(routing=tenant).filter("term", tenant=tenant)
    types = [page_type] if page_type else (SITE_TYPES if tenant is not None else CONTENT_TYPES)
    search = search.filter("terms", page_type=types)
    for field, value in (
        ("site_kind", kind),
        ("region", region),
        ("parent_id", parent_id),
        ("ancestor_ids", under_id),
        ("site_id", site_id),
        ("section_id", section_id),
        ("art_forms", art_form),
    ):
        if value is not None:
            search = search.filter("term", **{field: value})
    if section_path:
        search = search.filter("prefix", path=section_path).exclude("term", path=section_path)
    if date_from or date_to:
        bounds = {key: value.isoformat() for key, value in (("gte", date_from), ("lte", date_to)) if value}
        search = search.filter("range", date=bounds)
    search = search.query(text_query(query))
    for name in HIGHLIGHT_FIELDS:
        search = search.highlight(name, fragment_size=80, number_of_fragments=1)
    search = search.highlight_options(pre_tags=["<mark>"], post_tags=["</mark>"], encoder="html")
    return search.sort("_score", {"published_at": {"order": "desc"}}).extra(track_total_hits=True)[
        offset : offset + first + 1
    ]


@dataclass
class ElasticSearcher:
    """The same interface as cms.search.selectors, answered by Elasticsearch."""

    client: Elasticsearch
    index: str

    def network_search(self, *, query: str, first: int = 20, offset: int = 0, **filters) -> Results:
        return self._run(query=query, first=first, offset=offset, **filters)

    def site_search(self, *, site: Association, query: str, first: int = 20, offset: int = 0, **filters) -> Results:
        """Called in the site's schema: the hits' pages come along, as from PostgreSQL."""
        from wagtail.models import Page

        results = self._run(query=query, first=first, offset=offset, tenant=site.schema_name, **filters)
        pages = Page.objects.filter(pk__in=[hit.entry.page_id for hit in results.hits]).specific().in_bulk()
        for hit in results.hits:
            hit.page = pages.get(hit.entry.page_id)
        return results

    def _run(self, *, query: str, first: int, offset: int, **filters) -> Results:
        parsed = parse_query(query)  # the same messages for empty and overlong queries
        if not parsed.terms:
            return Results(query=parsed)
        response = (
            search_request(index=self.index, query=query, first=first, offset=offset, **filters)
            .using(self.client)
            .execute()
        )
        hits = list(response.hits)
        sites = Association.objects.prefetch_related("domains").in_bulk({hit.site_id for hit in hits})
        results = []
        for hit in hits[:first]:
            if hit.site_id not in sites:
                continue  # a site deleted since (its documents are being removed)
            entry = IndexEntry(
                pk=hit.entry_id,
                site=sites[hit.site_id],
                page_id=hit.page_id,
                page_type=hit.page_type,
                section_id=hit.section_id,
                section_title=hit.section_title,
                title=hit.title,
                summary=hit.summary,
                tags=list(hit.tags or []),
                art_forms=list(hit.art_forms or []),
                site_kind=hit.site_kind,
                region=hit.region,
                date=parse_date(hit.date) if hit.date else None,
                published_at=parse_datetime(hit.published_at),
                updated_at=parse_datetime(hit.updated_at),
                url=hit.url,
                canonical_url=hit.canonical_url,
                source_site_name=hit.source_site_name or "",
            )
            highlight = getattr(hit.meta, "highlight", None)
            fragment = next(
                (getattr(highlight, name)[0] for name in HIGHLIGHT_FIELDS if highlight and name in highlight), ""
            )
            results.append(Hit(entry=entry, score=hit.meta.score or 0.0, snippet=fragment))
        return Results(query=parsed, hits=results, has_next=len(hits) > first, total=response.hits.total.value)


_client: Elasticsearch | None = None


def client() -> Elasticsearch:
    global _client
    if _client is None:
        _client = Elasticsearch(settings.ELASTICSEARCH_URL, request_timeout=10)
    return _client


def ensure_index(es: Elasticsearch) -> None:
    name = settings.ELASTICSEARCH_INDEX
    if es.indices.exists(index=name):
        return
    plugins = {row["component"] for row in es.cat.plugins(format="json")}
    content_index(name, analyzers_for(plugins)).create(using=es)


def searcher() -> ElasticSearcher:
    es = client()
    ensure_index(es)
    return ElasticSearcher(client=es, index=settings.ELASTICSEARCH_INDEX)


def schedule_sync(
    *,
    tenant: str,
    entries: list[IndexEntry],
    bodies: dict[int, str],
    paths: dict[int, str],
    removed_page_ids: list[int],
) -> None:
    """After commit: write the entries' documents and delete the removed ones, visible on return."""
    documents = [
        document_for(entry, tenant=tenant, body=bodies.get(entry.page_id, ""), path=paths.get(entry.page_id, ""))
        for entry in entries
    ]

    def send():
        es = client()
        try:
            ensure_index(es)
            helpers.bulk(
                es,
                index_actions(settings.ELASTICSEARCH_INDEX, tenant, documents, removed_page_ids),
                refresh="wait_for",
                raise_on_error=False,
            )
        except Exception:  # the database is the record; `cms search reindex` brings Elasticsearch back in line
            log.exception("Elasticsearch update for %s failed", tenant)

    transaction.on_commit(send)


def schedule_removal(*, tenant: str, page_ids: list[int] | None) -> None:
    """After commit: delete these pages' documents, or (None) every document of the site."""

    def send():
        es = client()
        try:
            if page_ids is None:
                es.delete_by_query(
                    index=settings.ELASTICSEARCH_INDEX,
                    routing=tenant,
                    refresh=True,
                    query={"term": {"tenant": tenant}},
                    ignore_unavailable=True,
                )
            else:
                helpers.bulk(
                    es,
                    index_actions(settings.ELASTICSEARCH_INDEX, tenant, [], page_ids),
                    refresh="wait_for",
                    raise_on_error=False,
                )
        except Exception:
            log.exception("Elasticsearch removal for %s failed", tenant)

    transaction.on_commit(send)


def body_text(page) -> str:
    """The page's searchable text besides its title, as Wagtail's own index extracts it."""
    from modelsearch.backends import get_search_backend
    from modelsearch.backends.database.postgres.postgres import ObjectIndexer

    return ObjectIndexer(page, get_search_backend()).body_text
