"""`cms benchmark opinions` at a tiny size: submissions through the real server (gunicorn), none lost, and the inbox."""

import json
import re
import subprocess
from pathlib import Path

from benchmarks import suite
from tests.cms.running import cms_env

CHECKOUT = Path(__file__).resolve().parents[2]


def test_the_opinions_benchmark_submits_through_the_real_server_and_loses_nothing(tmp_path):
    # given the smoke size of the suite
    figures_path = tmp_path / "opinions.json"
    argv = suite.command("opinions", "smoke", figures_path)
    # when it runs
    finished = subprocess.run(argv, cwd=CHECKOUT, env=cms_env(), capture_output=True, text=True, timeout=600)
    output = finished.stdout + finished.stderr
    assert finished.returncode == 0, output[-4000:]
    # then the table has every figure with its target, and every acknowledged submission is stored once
    assert re.search(r"submission p50 / p95 / p99 +[\d.]+ / [\d.]+ / [\d.]+ ms +p95 < 100 ms", output), output
    assert re.search(r"inbox p50 / p95 \(first page, counts\) +[\d.]+ / [\d.]+ ms +p95 < 300 ms", output), output
    assert "Errors: none" in output
    figures = json.loads(figures_path.read_text())
    assert figures["target"] == "opinions" and figures["inbox_size"] == 300
    assert figures["sent"] == 10 and figures["acknowledged"] == 10 and figures["refused"] == 0
    assert figures["lost"] == 0 and figures["duplicated"] == 0 and figures["errors"] == 0
    # and the suite's summary row reads the figures
    rows = suite.rows_for("opinions", figures)
    assert rows[0][1].endswith("0 lost of 10") and "300 opinions" in rows[1][0]
