"""The Elasticsearch backend. No cluster can be installed here, so these tests assert the exact
mappings, documents and request bodies it sends (the last ones captured from its HTTP requests);
`test_a_live_cluster` runs against a real cluster when ELASTICSEARCH_URL is set."""

import datetime
import json
import os
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from elasticsearch import Elasticsearch

from cms.network.models import IndexEntry
from cms.search import elastic
from tests.api.conftest import graphql_data
from tests.conftest import HOSTS, add_article

TEXT = {"analyzer": "cjk", "search_analyzer": "cjk"}


def test_the_shared_index_mapping_with_the_cjk_fallback(settings):
    settings.ELASTICSEARCH_SHARDS, settings.ELASTICSEARCH_REPLICAS = 3, 1
    body = elastic.content_index("cms-content", elastic.analyzers_for(set())).to_dict()
    assert body == {
        "settings": {"number_of_shards": 3, "number_of_replicas": 1},
        "mappings": {
            "properties": {
                "tenant": {"type": "keyword"},
                "page_type": {"type": "keyword"},
                "site_kind": {"type": "keyword"},
                "region": {"type": "keyword"},
                "art_forms": {"type": "keyword"},
                "source_site_name": {"type": "keyword"},
                "path": {"type": "keyword"},
                "entry_id": {"type": "long"},
                "site_id": {"type": "long"},
                "page_id": {"type": "long"},
                "section_id": {"type": "long"},
                "parent_id": {"type": "long"},
                "ancestor_ids": {"type": "long"},
                "title": {"type": "text", **TEXT},
                "summary": {"type": "text", **TEXT},
                "section_title": {"type": "text", **TEXT},
                "body": {"type": "text", **TEXT},
                "tags": {"type": "text", "fields": {"raw": {"type": "keyword"}}, **TEXT},
                "date": {"type": "date"},
                "published_at": {"type": "date"},
                "updated_at": {"type": "date"},
                "url": {"type": "keyword", "index": False},
                "canonical_url": {"type": "keyword", "index": False},
            }
        },
    }


def test_chinese_plugins_are_preferred_when_the_cluster_has_them():
    assert elastic.analyzers_for({"analysis-smartcn"}) == ("smartcn", "smartcn")
    assert elastic.analyzers_for({"analysis-ik", "analysis-smartcn"}) == ("ik_max_word", "ik_smart")
    title = elastic.content_index("x", ("smartcn", "smartcn")).to_dict()["mappings"]["properties"]["title"]
    assert title == {"type": "text", "analyzer": "smartcn", "search_analyzer": "smartcn"}


def test_a_site_search_is_routed_to_its_tenant_and_filtered():
    search = elastic.search_request(
        index="cms-content",
        query="诗歌 朗诵",
        tenant="alpha",
        art_form="literature",
        date_from=datetime.date(2026, 1, 1),
        section_path="00010001",
        first=10,
        offset=20,
    )
    assert search._params == {"routing": "alpha"}
    assert search.to_dict() == {
        "query": {
            "bool": {
                "filter": [
                    {"term": {"tenant": "alpha"}},
                    {"terms": {"page_type": ["article", "notice", "event", "profile", "work", "standard"]}},
                    {"term": {"art_forms": "literature"}},
                    {"prefix": {"path": "00010001"}},
                    {"bool": {"must_not": [{"term": {"path": "00010001"}}]}},
                    {"range": {"date": {"gte": "2026-01-01"}}},
                ],
                # any word may match (at least one), each as a phrase in any field; BM25 adds up those covered
                "should": [
                    {"multi_match": {"query": "诗歌", "fields": elastic.SEARCH_FIELDS, "type": "phrase"}},
                    {"multi_match": {"query": "朗诵", "fields": elastic.SEARCH_FIELDS, "type": "phrase"}},
                ],
                "minimum_should_match": 1,
            }
        },
        "highlight": {
            "fields": {
                "summary": {"fragment_size": 80, "number_of_fragments": 1},
                "body": {"fragment_size": 80, "number_of_fragments": 1},
                "title": {"fragment_size": 80, "number_of_fragments": 1},
            },
            "pre_tags": ["<mark>"],
            "post_tags": ["</mark>"],
            "encoder": "html",
        },
        "sort": ["_score", {"published_at": {"order": "desc"}}],
        "track_total_hits": True,
        "from": 20,
        "size": 11,
    }


def test_words_typed_together_count_again_where_they_appear_as_typed():
    # 山花奖 is cut into 山花 and 奖: a document holding 山花奖 scores above one holding 山花 and 获奖
    query = elastic.search_request(index="cms-content", query="请问山花奖").to_dict()["query"]["bool"]
    assert query["should"] == [
        {"multi_match": {"query": "山花", "fields": elastic.SEARCH_FIELDS, "type": "phrase"}},
        {"multi_match": {"query": "奖", "fields": elastic.SEARCH_FIELDS, "type": "phrase"}},
        {"multi_match": {"query": "山花奖", "fields": elastic.SEARCH_FIELDS, "type": "phrase", "boost": 0.5}},
    ]
    assert query["minimum_should_match"] == 1


def test_the_national_search_reads_every_tenant():
    search = elastic.search_request(index="cms-content", query="京剧", kind="provincial", under_id=7, first=20)
    assert search._params == {}
    body = search.to_dict()
    assert body["query"]["bool"]["filter"] == [
        {"terms": {"page_type": ["article", "notice", "event", "profile", "work"]}},
        {"term": {"site_kind": "provincial"}},
        {"term": {"ancestor_ids": 7}},
    ]
    assert (body["from"], body["size"]) == (0, 21)


def test_documents_and_bulk_actions_carry_the_tenant_and_routing(alpha, gamma):
    article = add_article(gamma, "浙江诗歌节", summary="诗歌节在杭州举行。", art_forms=["literature"])
    entry = IndexEntry.objects.get(site=gamma, page_id=article.pk)
    document = elastic.document_for(entry, tenant="gamma", body="正文", path="000100020003")
    assert (
        document["entry_id"] == entry.pk
        and document["tenant"] == "gamma"
        and document["parent_id"] == alpha.pk
        and document["ancestor_ids"] == [alpha.pk]
    )
    assert (document["title"], document["body"], document["art_forms"]) == ("浙江诗歌节", "正文", ["literature"])
    actions = elastic.index_actions("cms-content", "gamma", [document], [99])
    assert actions == [
        {
            "_op_type": "index",
            "_index": "cms-content",
            "_id": f"gamma:{article.pk}",
            "_routing": "gamma",
            "_source": document,
        },
        {"_op_type": "delete", "_index": "cms-content", "_id": "gamma:99", "_routing": "gamma"},
    ]


class _Recorder(BaseHTTPRequestHandler):
    """Answers as Elasticsearch would, and keeps every request it gets."""

    requests: list = []
    search_hits: list = []

    def _answer(self, payload, status=200):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _record(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        url = urlsplit(self.path)
        self.requests.append({"method": self.command, "path": url.path, "params": parse_qs(url.query), "body": raw})
        return url.path, raw

    def do_HEAD(self):
        self._record()
        self._answer({}, 200)

    def do_POST(self):
        path, raw = self._record()
        if path.endswith("/_bulk"):
            lines = [json.loads(line) for line in raw.splitlines() if line.strip()]
            items = [
                {op: {"_id": meta["_id"], "status": 200}}
                for line in lines
                for op, meta in line.items()
                if op in ("index", "delete")
            ]
            return self._answer({"took": 1, "errors": False, "items": items})
        if path.endswith("/_search"):
            hits = [
                {
                    "_id": f"alpha:{h['page_id']}",
                    "_score": 2.5,
                    "_source": h,
                    "highlight": {"summary": ["<mark>诗歌</mark>朗诵"]},
                }
                for h in self.search_hits
            ]
            return self._answer(
                {
                    "took": 1,
                    "timed_out": False,
                    "hits": {"total": {"value": len(hits), "relation": "eq"}, "max_score": 2.5, "hits": hits},
                }
            )
        return self._answer({"acknowledged": True})

    do_PUT = do_POST

    def log_message(self, *args):
        pass


@pytest.fixture
def recording_cluster(settings):
    _Recorder.requests, _Recorder.search_hits = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{server.server_port}"
    settings.ELASTICSEARCH_INDEX = "cms-content"
    elastic._client = None
    yield _Recorder
    server.shutdown()
    elastic._client = None


def test_publishing_sends_the_page_to_the_shared_index_after_commit(
    alpha, recording_cluster, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        article = add_article(
            alpha,
            "诗歌朗诵会举行",
            summary="青年诗人朗诵新作。",
            body=[{"type": "paragraph", "value": "<p>朗诵会以新时代为主题。</p>"}],
        )
    bulk = [r for r in recording_cluster.requests if r["path"] == "/_bulk"]
    lines = [json.loads(line) for line in bulk[-1]["body"].splitlines()]
    assert bulk[-1]["params"]["refresh"] == ["wait_for"]
    action, source = lines[-2], lines[-1]
    assert action == {"index": {"_index": "cms-content", "_id": f"alpha:{article.pk}", "routing": "alpha"}}
    assert (source["tenant"], source["title"], source["summary"]) == ("alpha", "诗歌朗诵会举行", "青年诗人朗诵新作。")
    assert "朗诵会以新时代为主题" in source["body"]


def test_graphql_search_sends_the_routed_request_and_reads_the_answer(
    client, alpha, recording_cluster, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        article = add_article(alpha, "诗歌朗诵会举行", summary="青年诗人朗诵新作。")
    entry = IndexEntry.objects.get(site=alpha, page_id=article.pk)
    recording_cluster.search_hits = [elastic.document_for(entry, tenant="alpha", body="", path="")]
    query = (
        '{ search(query: "诗歌", first: 5) { items { id title snippet score date publishedAt site { slug } '
        "page { id } } totalCount } }"
    )
    result = graphql_data(client, query, host=HOSTS["alpha"])["search"]
    assert result == {
        "items": [
            {
                "id": str(entry.pk),
                "title": "诗歌朗诵会举行",
                "snippet": "<mark>诗歌</mark>朗诵",
                "score": 2.5,
                "date": entry.date.isoformat(),
                "publishedAt": entry.published_at.isoformat(),
                "site": {"slug": "alpha"},
                "page": {"id": str(article.pk)},
            }
        ],
        "totalCount": 1,
    }
    sent = [r for r in recording_cluster.requests if r["path"] == "/cms-content/_search"][-1]
    assert sent["params"]["routing"] == ["alpha"]
    expected = elastic.search_request(index="cms-content", query="诗歌", tenant="alpha", first=5).to_dict()
    assert json.loads(sent["body"]) == expected


@pytest.mark.skipif(
    not os.environ.get("ELASTICSEARCH_URL"),
    reason="needs a live Elasticsearch at ELASTICSEARCH_URL; none can be installed from this project's registries",
)
def test_a_live_cluster(settings, alpha, beta, django_capture_on_commit_callbacks):
    settings.ELASTICSEARCH_URL = os.environ["ELASTICSEARCH_URL"]
    settings.ELASTICSEARCH_INDEX = f"cms-test-{uuid.uuid4().hex[:8]}"
    settings.ELASTICSEARCH_SHARDS, settings.ELASTICSEARCH_REPLICAS = 1, 0
    elastic._client = None
    try:
        with django_capture_on_commit_callbacks(execute=True):
            add_article(alpha, "诗歌朗诵会举行", summary="青年诗人朗诵新作。")
            add_article(beta, "诗歌创作研讨会", summary="作家讨论诗歌。")
        searcher = elastic.searcher()
        assert [h.title for h in searcher.site_search(site=alpha, query="诗歌").hits] == ["诗歌朗诵会举行"]
        assert [h.title for h in searcher.site_search(site=beta, query="诗歌").hits] == ["诗歌创作研讨会"]
        assert {h.title for h in searcher.network_search(query="诗歌").hits} == {"诗歌朗诵会举行", "诗歌创作研讨会"}
    finally:
        Elasticsearch(os.environ["ELASTICSEARCH_URL"]).indices.delete(
            index=settings.ELASTICSEARCH_INDEX, ignore_unavailable=True
        )
        elastic._client = None
