"""`cms bench`: every benchmark of the project in one run, then one summary table, ours beside the stock peer.

Each benchmark runs as its own `cms benchmark <target> --json PATH` (or `cms loadtest --json PATH`) subprocess,
on its own throwaway database, exactly as a person would run it; its full report goes to the output as it runs,
and the key figures it writes to the JSON file make the summary. A benchmark that fails is named in the summary
and the others still run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

TARGETS = ["graphql", "provisioning", "network", "search", "screening", "opinions", "loadtest"]
PEERS = {
    "graphql": "stock wagtail-grapple",
    "provisioning": "stock django-tenants",
    "network": "—",
    "search": "plain PostgreSQL",
    "screening": "—",
    "opinions": "—",
    "loadtest": "—",
}
# The arguments of each benchmark at each size. Full: each command's own defaults (the bars' sizes).
SIZES = {
    "smoke": {
        "graphql": ["--articles", "3", "--seconds", "1", "--concurrency", "2", "--requests", "5"],
        "provisioning": ["--sites", "0", "--samples", "1", "--stock-samples", "1"],
        "network": ["--sites", "10", "--items", "3", "--requests", "5"],
        "search": ["--documents", "600"],
        "screening": ["--screening-words", "500"],
        "opinions": ["--inbox", "300", "--rate", "5", "--seconds", "2", "--requests", "3"],
        "loadtest": [
            "--sites",
            "2",
            "--articles",
            "2",
            "--connections",
            "2",
            "--seconds",
            "3",
            "--mix",
            "cached=3,executed=3,feed=2,search=2,publish=2,opinion=2",
        ],
    },
    "full": dict.fromkeys(TARGETS, []),
    # The federation at its real size (5,000 sites; about an hour and a half on 2 cores): the full size, with the
    # fleet, the network and the search corpus five times larger.
    "federation": {
        **dict.fromkeys(TARGETS, []),
        "provisioning": ["--sites", "5000", "--fill", "replay"],
        "network": ["--sites", "5000"],
        "search": ["--documents", "500000"],
    },
}
CHECKOUT = Path(__file__).resolve().parent.parent
# The search groups the summary shows beside the overall figure (the weakest before ranking by coverage).
SEARCH_GROUPS_SHOWN = ("several words", "natural phrase", "held-out questions")


def targets(only: str | None) -> list[str]:
    if not only:
        return list(TARGETS)
    chosen = [t.strip() for t in only.split(",") if t.strip()]
    unknown = [t for t in chosen if t not in TARGETS]
    if unknown or not chosen:
        raise ValueError(f"--only: choose among {', '.join(TARGETS)} (not {', '.join(unknown) or 'nothing'}).")
    return [t for t in TARGETS if t in chosen]


def command(target: str, size: str, json_path: Path) -> list[str]:
    head = ["loadtest"] if target == "loadtest" else ["benchmark", target]
    return [sys.executable, "-m", "cms.cli", *head, *SIZES[size][target], "--json", str(json_path)]


def run(*, size: str, targets: list[str], progress: Callable[[str], None] = print) -> int:
    results: dict[str, dict | None] = {}
    seconds: dict[str, float] = {}
    failures: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="cms-bench-") as folder:
        for target in targets:
            path = Path(folder) / f"{target}.json"
            argv = command(target, size, path)
            progress(f"\n=== {target}: cms {' '.join(argv[3:-2])} ===")
            started = time.monotonic()
            # The checkout as the working directory: `python -m cms.cli` imports this checkout's code.
            finished = subprocess.run(argv, cwd=CHECKOUT)
            seconds[target] = time.monotonic() - started
            if finished.returncode != 0 or not path.exists():
                failures[target] = f"failed (exit {finished.returncode})"
                results[target] = None
            else:
                results[target] = json.loads(path.read_text())
    print()
    print(summary(results, seconds=seconds, failures=failures, size=size), flush=True)
    return 1 if failures else 0


def _ms(value) -> str:
    return "-" if value is None else f"{value:.1f} ms"


def rows_for(target: str, f: dict) -> list[tuple[str, str, str]]:
    """(figure, ours, peer) rows of one benchmark's figures."""
    if target == "graphql":
        cached, executed, stock = f["cached"], f["executed"], f["stock"]
        return [
            (
                "throughput, answer cache",
                f"{cached['throughput']:.1f} req/s ({cached['throughput'] / stock['throughput']:.1f}x)",
                f"{stock['throughput']:.1f} req/s",
            ),
            (
                "throughput, executed (no-cache)",
                f"{executed['throughput']:.1f} req/s ({executed['throughput'] / stock['throughput']:.1f}x)",
                f"{stock['throughput']:.1f} req/s",
            ),
            *(
                [
                    (
                        "throughput, executed, page-tree cache off",
                        f"{cold['throughput']:.1f} req/s ({cold['throughput'] / stock['throughput']:.1f}x)",
                        f"{stock['throughput']:.1f} req/s",
                    )
                ]
                if (cold := f.get("executed_no_page_trees"))
                else []
            ),
            (
                "SQL per request, cached / executed",
                f"{cached['queries']} / {executed['queries']}",
                f"{stock['queries']}",
            ),
            (f"p95 executed ({f['articles']} articles)", _ms(executed["p95_ms"]), _ms(stock["p95_ms"])),
        ]
    if target == "provisioning":
        return [
            (
                f"median s a site at {f['sites_present']} sites (spare ready / replayed)",
                f"{f['ours_spare_ready_s']:.2f} / {f['ours_replayed_s']:.2f} s",
                f"{f['stock_migrations_s']:.2f} s migrations, {f['stock_clone_s']:.2f} s clone",
            ),
            (
                f"no-op fleet check, {f['noop_fleet_sites']} sites",
                f"{f['noop_fleet_check_s']:.2f} s",
                f"{f['stock_noop_check_s_per_site'] * f['noop_fleet_sites']:.0f} s (extrapolated)",
            ),
        ]
    if target == "network":
        return [
            (
                f"feeds p95, slowest query executed / cached ({f['sites']} sites x {f['items_per_site']})",
                f"{f['executed_p95_ms']:.1f} / {f['cached_p95_ms']:.1f} ms",
                "—",
            )
        ]
    if target == "search":
        return [
            (f"nDCG@10 ({f['documents']:,} documents)", f"{f['ours_ndcg']:.3f}", f"{f['plain_ndcg']:.3f}"),
            *(
                (f"  nDCG@10, {kind}", f"{by_kind['ours']:.3f}", f"{by_kind['plain']:.3f}")
                for kind, by_kind in (f.get("ndcg_by_kind") or {}).items()
                if kind in SEARCH_GROUPS_SHOWN
            ),
            (
                "p95 in-process / over HTTP",
                f"{f['ours_p95_ms']:.1f} / {f['http_p95_ms']:.1f} ms",
                f"{f['plain_p95_ms']:.1f} ms / -",
            ),
        ]
    if target == "screening":
        return [
            (
                f"chars/s with normalisation ({f['words']} words; target 6 M)",
                f"{f['with_normalisation'] / 1e6:.1f} M",
                "—",
            ),
            (f"one {f['article_chars']}-character article (target 5 ms)", f"{f['article_ms']:.2f} ms", "—"),
            (
                "recall on evasions / false alarms (targets 0.95 / 1 %)",
                f"{f['recall']:.3f} / {f['false_alarms'] * 100:.2f} %",
                "—",
            ),
        ]
    if target == "opinions":
        return [
            (
                f"submissions p95 at {f['rate']:g}/s, lost (targets 100 ms, 0)",
                f"{f['submit_p95_ms']:.1f} ms, {f['lost']} lost of {f['acknowledged']}",
                "—",
            ),
            (f"inbox p95, {f['inbox_size']:,} opinions (target 300 ms)", f"{f['inbox_p95_ms']:.1f} ms", "—"),
        ]
    if target == "loadtest":
        growth = f.get("max_worker_rss_growth_pct")
        return [
            (f"throughput, {f['connections']} connections, {f['sites']} sites", f"{f['throughput']:.1f} req/s", "—"),
            (
                "errors / lost publishes / lost opinions (target 0 / 0 / 0)",
                f"{f['errors']} / {f['publishes_lost']} / {f['opinions_lost']}",
                "—",
            ),
            (
                "p99 pages from the cache / executed (targets 100 / 400 ms)",
                f"{f['endpoints']['pages cached: from the cache']['p99_ms']:.1f}"
                f" / {f['endpoints']['pages executed']['p99_ms']:.1f} ms",
                "—",
            ),
            ("worker RSS growth, largest (target < 10 %)", "-" if growth is None else f"{growth:.1f} %", "—"),
        ]
    raise ValueError(target)


def summary(results: dict[str, dict | None], *, seconds: dict[str, float], failures: dict[str, str], size: str) -> str:
    table = []
    for target, figures in results.items():
        label = f"{target} ({seconds[target]:.0f} s)"
        if figures is None:
            table.append((label, failures[target], "", ""))
            continue
        for number, (figure, ours, peer) in enumerate(rows_for(target, figures)):
            table.append((label if number == 0 else "", figure, ours, peer))
    header = ("benchmark", "figure", "ours", "stock peer")
    widths = [max(_width(row[i]) for row in [header, *table]) for i in range(4)]
    lines = [
        f"Benchmark summary ({size} size; each benchmark on its own throwaway database, gunicorn with production"
        " settings, real HTTP on 127.0.0.1).",
        "Peers: " + "; ".join(f"{t}: {PEERS[t]}" for t in results) + ".",
        "",
    ]
    lines.append("  ".join(_pad(cell, w) for cell, w in zip(header, widths, strict=True)))
    lines.append("  ".join("-" * w for w in widths))
    for row in table:
        lines.append("  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip())
    total = sum(seconds.values())
    lines += [
        "",
        f"Total: {total:.0f} s; " + (f"failed: {', '.join(failures)}." if failures else "every benchmark ran."),
    ]
    return "\n".join(lines)


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))
