"""The relevance benchmark (`cms benchmark search`) at a tiny size: corpus, judgments, evaluation."""

import pytest

from benchmarks import search as relevance
from cms.network.models import IndexEntry
from cms.text.segmentation import index_text

DOCUMENTS, SITES = 600, 8


@pytest.fixture
def corpus(db):
    corpus = relevance.build_corpus(documents=DOCUMENTS, sites=SITES, progress=lambda line: None)
    relevance.add_baseline_index()
    return corpus


def test_the_corpus_is_indexed_as_pages_are(corpus):
    entries = IndexEntry.objects.filter(site__slug__startswith="bench-", page_type__in=["article", "notice", "profile"])
    assert entries.count() == DOCUMENTS == sum(corpus.by_type.values())
    assert set(corpus.by_type) == {"article", "notice", "profile"}
    entry = entries.order_by("pk").first()
    assert entry.search_title == index_text(entry.title)
    assert entry.search_body == index_text(" ".join([entry.summary, " ".join(entry.tags), entry.section_title]))


def test_judgments_come_from_generation_and_every_query_has_some(corpus):
    assert len(corpus.queries) >= 50 and len({q.text for q in corpus.queries}) == len(corpus.queries)
    for query in corpus.queries:
        grades = corpus.judgments[query.text]
        assert grades and max(grades.values()) == 2, query.text
        assert sum(1 for g in grades.values() if g > 0) <= 25, query.text
    kinds = {q.kind for q in corpus.queries}
    assert kinds == set(relevance.KINDS)
    # Relevant without the words (synonyms) and the words without relevance (distractors) both exist.
    spring = corpus.judgments["CCTV 春晚"]
    assert any("cctv" not in corpus.titles[pk].lower() for pk in spring)
    beijing = [pk for pk, title in corpus.titles.items() if title.startswith("北京剧场")]
    assert beijing and not any(pk in corpus.judgments["京剧"] for pk in beijing)


def test_the_same_seed_builds_the_same_documents():
    import random

    def titles():
        rng = random.Random(relevance.SEED)
        return [
            doc.title
            for doc in relevance.entity_documents(
                rng,
                lambda r: {
                    "place": "东阳",
                    "region": "浙江",
                    "org": "浙江文联",
                    "n": r.randint(2, 30),
                    "year": 2026,
                    "month": "5月",
                    "person": "王建国",
                    **{k: r.choice(v) for k, v in relevance.SLOTS.items()},
                },
            )
        ]

    assert titles() == titles()


def test_fillers_never_name_an_entity():
    import random

    rng = random.Random(1)
    for _ in range(300):
        words = {
            "place": "金山",
            "region": "北京",
            "org": "北京文联",
            "n": 3,
            "year": 2026,
            "month": "5月",
            "person": rng.choice(relevance.FILLER_SURNAMES) + rng.choice(relevance.FILLER_GIVEN),
        }
        doc = relevance.filler_document(rng, words)
        assert not relevance.ANCHOR_PATTERN.search(relevance._text(doc))


def test_ours_beats_plain_postgresql_and_finds_short_words(corpus):
    ours = relevance.evaluate(corpus, relevance.ours)
    plain = relevance.evaluate(corpus, relevance.baseline)
    assert ours.mean().ndcg > plain.mean().ndcg + 0.4
    assert ours.mean().recall > plain.mean().recall + 0.4
    assert 0 < plain.mean().ndcg  # plain finds whole names standing alone (profile titles, 《墨梅图》)
    for kind in ("one character", "two characters"):
        found = [
            q.text
            for q in corpus.queries
            if q.kind == kind and ours.per_query[q.text].recall > 0 and plain.per_query[q.text].recall == 0
        ]
        assert found, kind
    assert ours.per_query["梅"].recall > 0 and plain.per_query["梅"].recall == 0
    assert ours.per_query["京剧"].recall > 0 and plain.per_query["京剧"].recall == 0
    # Not perfect: distractors hold the words (北京剧场, 韩梅笙), and some relevant documents do not.
    assert ours.mean().precision < relevance.ideal(corpus).precision
    assert ours.mean().ndcg < 1


def test_scores():
    grades = {1: 2, 2: 1, 3: 2}
    assert relevance.score([1, 3, 2], grades).ndcg == pytest.approx(1.0)
    perfect = relevance.score([1, 3, 2, 9], grades)
    assert perfect.precision == pytest.approx(0.3) and perfect.recall == 1.0
    miss = relevance.score([9, 8, 2], grades)
    assert miss.recall == pytest.approx(1 / 3) and 0 < miss.ndcg < 0.5
    assert relevance.score([], grades).ndcg == 0


def test_latency_and_report(corpus):
    evaluations = {name: relevance.evaluate(corpus, system) for name, system in relevance.SYSTEMS.items()}
    latency = relevance.measure_latency(corpus, passes=1)
    assert latency["ours"].samples == len(corpus.queries) and latency["ours"].p95_ms >= latency["ours"].p50_ms > 0
    text = relevance.report(corpus, evaluations, latency)
    assert "P@10" in text and "nDCG@10" in text and "plain PostgreSQL" in text and "梅" in text
    assert "smaller than the bar" in text
