"""`cms loadtest` and `cms bench` (benchmarks/ in the checkout): the smoke run of every benchmark, and their input.

One `cms bench --size smoke` subprocess (a few minutes: each benchmark starts its own PostgreSQL, migrates and
builds its data) runs every benchmark, `cms loadtest` among them at a tiny size (2 sites, 2 connections, 3 s, a mix
heavy in publishes); the tests read its output: the load test's table and the summary.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import loadtest, suite
from cms import cli
from tests.cms.running import cms_env

CHECKOUT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def smoke_run() -> str:
    finished = subprocess.run(
        [sys.executable, "-m", "cms.cli", "bench", "--size", "smoke"],
        cwd=CHECKOUT,
        env=cms_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = finished.stdout + finished.stderr
    assert finished.returncode == 0, output[-5000:]
    return output


@pytest.mark.slow
def test_the_load_test_prints_every_endpoint_with_no_errors_and_no_lost_publish(smoke_run):
    # Given the load test's part of the smoke run
    report = smoke_run[smoke_run.index("=== loadtest: cms loadtest") : smoke_run.index("Benchmark summary")]
    assert "--sites 2" in report and "--connections 2" in report and "--seconds 3" in report
    # Then every endpoint has its row with requests and no errors
    for endpoint in loadtest.ENDPOINTS:
        row = re.search(rf"^{endpoint} +(\d+) +(\d+) +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+ ", report, re.MULTILINE)
        assert row, f"no row for {endpoint}:\n{report}"
        assert int(row.group(1)) > 0 and int(row.group(2)) == 0, row.group(0)
    assert "Errors by kind: none" in report
    # and at least one publish was acknowledged, and every acknowledged one is in its site's pages list
    published = re.search(r"Publishes: (\d+) acknowledged; (\d+) of them .*; lost: (\d+)", report)
    assert published and int(published.group(1)) >= 1, report
    assert published.group(1) == published.group(2) and published.group(3) == "0"
    # and the same for the opinions sent through the sites' mailboxes, each looked up by its code
    opinions = re.search(r"Opinions: (\d+) acknowledged with a code; (\d+) of them .*; lost or doubled: (\d+)", report)
    assert opinions and int(opinions.group(1)) >= 1, report
    assert opinions.group(1) == opinions.group(2) and opinions.group(3) == "0"
    # and answers asked of the cache are split by what the cache did (X-Cache), each kind with its target
    assert re.search(r"^  from the cache +\d+ +0 .*p99 < 100 ms", report, re.MULTILINE), report
    assert re.search(r"^  executed +\d+ +0 .*p99 < 400 ms", report, re.MULTILINE), report
    assert re.search(r"^CPU over the load .*web [\d.]+ s .*postgres [\d.]+ s .*client [\d.]+ s", report, re.MULTILINE)
    # and the memory of each worker and of PostgreSQL, with the targets beside the figures
    assert len(re.findall(r"^gunicorn worker \d+ +[\d.]+ +[\d.]+ +-?[\d.]+% +< 10 %", report, re.MULTILINE)) == 2
    assert re.search(r"^PostgreSQL \(\d+ processes\) +[\d.]+ +[\d.]+", report, re.MULTILINE)
    assert "CMS_REQUIRE_2FA=0" in report and "p99 < 100 ms" in report and "p99 < 400 ms" in report


@pytest.mark.slow
def test_the_bench_summary_has_a_row_for_every_benchmark_beside_its_peer(smoke_run):
    summary = smoke_run[smoke_run.index("Benchmark summary (smoke size") :]
    for target in suite.TARGETS:
        assert re.search(rf"^{target} \(\d+ s\) ", summary, re.MULTILINE), f"no row for {target}:\n{summary}"
    assert "failed" not in summary and "every benchmark ran." in summary
    assert re.search(
        r"recall on evasions / false alarms \(targets 0.95 / 1 %\) +(0\.9\d\d|1\.000) / 0\.\d\d %", summary
    )
    assert (
        "graphql: stock wagtail-grapple; provisioning: stock django-tenants; network: —; search: plain PostgreSQL;"
        " screening: —; opinions: —; loadtest: —." in summary
    )
    assert re.search(r"throughput, answer cache +[\d.]+ req/s \([\d.]+x\) +[\d.]+ req/s", summary)
    assert re.search(r"nDCG@10 \(600 documents\) +0\.\d{3} +0\.\d{3}", summary)
    assert re.search(r"errors / lost publishes / lost opinions \(target 0 / 0 / 0\) +0 / 0 / 0 ", summary)


def test_the_mix_is_parsed_and_bad_weights_are_refused_in_one_sentence(capsys):
    assert loadtest.parse_mix("cached=6,executed=1,feed=2,search=1,publish=0.1") == {
        "cached": 6.0,
        "executed": 1.0,
        "feed": 2.0,
        "search": 1.0,
        "publish": 0.1,
        "opinion": 0.0,
    }
    assert loadtest.parse_mix("cached=1") == {
        "cached": 1.0,
        "executed": 0.0,
        "feed": 0.0,
        "search": 0.0,
        "publish": 0.0,
        "opinion": 0.0,
    }
    for bad in ("cached=x", "videos=1", "cached", "cached=-1", "cached=0", "cached=nan"):
        with pytest.raises(ValueError):
            loadtest.parse_mix(bad)
    # Refused before anything starts, with one sentence and no traceback
    assert cli.main(["loadtest", "--mix", "cached=6,videos=1"]) == 1
    error = capsys.readouterr().err
    assert error.startswith("cms: --mix: 'videos=1' is not one of") and error.count("\n") == 1
    assert cli.main(["loadtest", "--connections", "0"]) == 1
    assert capsys.readouterr().err == "cms: --connections must be at least 1.\n"


def test_without_the_benchmarks_folder_the_commands_say_so_in_one_sentence(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "benchmarks", None)  # as in an installed product: the package is absent
    assert cli.main(["loadtest"]) == 1
    assert capsys.readouterr().err == "cms: cms loadtest needs the benchmarks/ folder of a source checkout.\n"
    assert cli.main(["bench", "--size", "smoke"]) == 1
    assert capsys.readouterr().err == "cms: cms bench needs the benchmarks/ folder of a source checkout.\n"


def test_a_failed_benchmark_is_named_in_the_summary_and_the_others_are_kept():
    figures = {"target": "network", "sites": 10, "items_per_site": 3, "executed_p95_ms": 12.5, "cached_p95_ms": 3.25}
    text = suite.summary(
        {"network": figures, "provisioning": None},
        seconds={"network": 30, "provisioning": 80},
        failures={"provisioning": "failed (exit 1)"},
        size="smoke",
    )
    assert re.search(
        r"^network \(30 s\) +feeds p95, slowest query executed / cached \(10 sites x 3\) +12\.5 / 3\.2 ms +—$",
        text,
        re.MULTILINE,
    ), text
    assert re.search(r"^provisioning \(80 s\) +failed \(exit 1\)$", text, re.MULTILINE), text
    assert text.endswith("failed: provisioning.")
    assert suite.targets("loadtest,graphql") == ["graphql", "loadtest"]
    with pytest.raises(ValueError):
        suite.targets("graphql,videos")


def test_percentiles_are_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert (loadtest.percentile(values, 50), loadtest.percentile(values, 95), loadtest.percentile(values, 99)) == (
        50.0,
        95.0,
        99.0,
    )
    assert loadtest.percentile([7.0], 99) == 7.0


def test_the_summary_shows_executed_graphql_without_page_trees_and_search_by_group():
    def figures(throughput, queries):
        return {"queries": queries, "items": 20, "median_ms": 10.0, "p95_ms": 12.0, "throughput": throughput}

    graphql = {
        "target": "graphql",
        "articles": 3,
        "cached": figures(400.0, 1),
        "executed": figures(120.0, 6),
        "executed_no_page_trees": figures(45.0, 9),
        "stock": figures(15.0, 107),
    }
    search = {
        "target": "search",
        "documents": 600,
        "ours_ndcg": 0.97,
        "plain_ndcg": 0.2,
        "ours_p95_ms": 9.0,
        "http_p95_ms": 14.0,
        "plain_p95_ms": 1.0,
        "ndcg_by_kind": {
            "one character": {"ours": 0.96, "plain": 0.0},
            "several words": {"ours": 0.987, "plain": 0.0},
            "natural phrase": {"ours": 0.973, "plain": 0.0},
            "held-out questions": {"ours": 0.908, "plain": 0.0},
        },
    }
    text = suite.summary(
        {"graphql": graphql, "search": search}, seconds={"graphql": 60, "search": 90}, failures={}, size="smoke"
    )
    assert re.search(r"throughput, executed \(no-cache\) +120\.0 req/s \(8\.0x\) +15\.0 req/s", text), text
    assert re.search(r"throughput, executed, page-tree cache off +45\.0 req/s \(3\.0x\) +15\.0 req/s", text), text
    assert re.search(r"nDCG@10, natural phrase +0\.973 +0\.000", text), text
    assert re.search(r"nDCG@10, several words +0\.987 +0\.000", text), text
    assert re.search(r"nDCG@10, held-out questions +0\.908 +0\.000", text), text
    assert "one character" not in text


def test_the_federation_size_runs_the_scale_benchmarks_at_5000_sites(tmp_path):
    # `cms bench --size federation`: as full, with the fleet, the network and the corpus at the federation's size
    assert suite.command("provisioning", "federation", tmp_path / "p.json")[-6:-2] == [
        "--sites",
        "5000",
        "--fill",
        "replay",
    ]
    assert "5000" in suite.command("network", "federation", tmp_path / "n.json")
    assert "500000" in suite.command("search", "federation", tmp_path / "s.json")
    assert suite.SIZES["federation"]["graphql"] == suite.SIZES["full"]["graphql"] == []
    assert cli._parser().parse_args(["bench", "--size", "federation"]).size == "federation"
