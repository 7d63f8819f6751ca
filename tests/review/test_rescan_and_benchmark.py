"""The screening benchmark at a tiny size, and the re-scan of published content after a lexicon change."""

from django_tenants.utils import schema_context

from benchmarks import screening as benchmark
from cms.review import services
from cms.review.jobs import rescan_site
from cms.review.models import Finding, Rescan
from cms.review.rescanning import run_rescan
from tests.conftest import add_article


def test_the_screening_benchmark_runs_and_prints_its_table():
    # given tiny corpora / when measured
    result = benchmark.measure(
        words=300, evasions=100, clean=100, article_chars=2000, throughput_chars=50_000, repeats=3
    )
    table = benchmark.report(result)
    # then every figure is there, against its target
    assert result["words"] == 300 and result["evasions"] == 100
    assert 0 <= result["recall"] <= 1 and 0 <= result["false_alarms"] <= 1 and result["with_normalisation"] > 0
    for line in ("throughput with normalisation", "recall on 100 evasions", "false alarms on", "≥ 6 M chars/s"):
        assert line in table


def test_a_lexicon_change_queues_a_rescan_that_records_hits_for_the_site(gamma, delta, queued_tasks):
    # given published pages on the province and its city
    add_article(gamma, "省里的稿件", body=[{"type": "paragraph", "value": "<p>这里有复查词</p>"}])
    add_article(delta, "市里的稿件", summary="摘要里也有复查词")
    # when the province adds the word (the rescans are queued when the change commits)
    services.add_entry(site=gamma, word="复查词", actor="gamma-admin", category="测试")
    made = services.schedule_rescans(site=gamma, reason="测试")
    # then the province and its city are queued, nobody else, each task in its site's schema
    assert sorted(r.site.slug for r in made) == ["delta", "gamma"]
    assert services.schedule_rescans(site=gamma, reason="again") == []  # not queued twice
    rescan = Rescan.objects.get(site=delta, status="queued")
    # when the city's task runs (in its schema)
    with schema_context(delta.schema_name):
        outcome = run_rescan(rescan_id=rescan.pk)
    # then its progress is complete and the hit is recorded for its editors and the central office
    rescan.refresh_from_db()
    assert rescan.status == "done" and rescan.pages_done == rescan.pages_total > 0 and outcome["hits"] == 1
    [finding] = Finding.objects.filter(site=delta)
    assert (finding.word, finding.page_title, finding.field) == ("复查词", "市里的稿件", "摘要")
    assert rescan_site.module_path.endswith("rescan_site")
