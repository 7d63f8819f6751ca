"""`cms benchmark oversight`: the dashboard over N sites, a publish moving a score, and a link check.

On a national index built by benchmarks/network.py (registry rows and index entries, no schemas):
- sections: each site's section rows from its entries (what a publish does before scoring);
- publish: `scoring.site_changed` for one site, the work a publish adds to its transaction (p50/p95);
- refresh: every site scored again (the daily pass);
- dashboard: the central office's page rendered through the real view (SQL counted);
- links: `links` external addresses spread over `hosts` local HTTP servers, checked by the link
  checker's own concurrent loop (politeness per host as configured).
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from benchmarks.network import build_network


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _answer(self):
        code = 404 if self.path.endswith("/gone") else 200
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.send_header("ETag", '"bench"')
        self.end_headers()

    do_HEAD = do_GET = _answer


def _servers(count: int) -> list[ThreadingHTTPServer]:
    """One server on each of 127.0.0.2, 127.0.0.3, ...: distinct hosts (politeness is per host name)."""
    servers = []
    for number in range(count):
        httpd = ThreadingHTTPServer((f"127.0.{(number + 2) // 250}.{(number + 2) % 250 or 1}", 0), _Handler)
        httpd.daemon_threads = True
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append(httpd)
    return servers


def _percentile(values: list[float], percent: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(percent / 100 * (len(ordered) - 1))))]


def run(*, sites: int, items: int, links: int, hosts: int, progress: Callable[[str], None] = print) -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from cms.oversight import scoring
    from cms.oversight.links import check_many
    from cms.oversight.models import LinkStatus
    from sites.models import Association

    scoring.ensure_default_rules()
    network = build_network(sites=sites, items_per_site=items, progress=progress)
    bench = list(Association.objects.filter(slug__startswith="bench-").order_by("id"))
    progress(f"Section rows for {len(bench)} sites...")
    started = time.perf_counter()
    for site in bench:
        scoring.sync_sections(site=site)
    sections_s = time.perf_counter() - started

    progress("Publishing: one site's sections and score, 20 samples...")
    samples = []
    for site in bench[:: max(1, len(bench) // 20)][:20]:
        started = time.perf_counter()
        scoring.site_changed(site=site)
        samples.append((time.perf_counter() - started) * 1000)

    progress("Daily pass over every site...")
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as refresh_queries:
        scored = scoring.refresh_health()
    refresh_s = time.perf_counter() - started

    progress("Dashboard through the real view...")
    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_superuser": True, "is_staff": True}
    )
    client = Client()
    client.force_login(user)
    timings, status, queries = [], None, 0
    # The page itself is measured: the second login step (two-factor) is not part of it.
    with override_settings(CMS_REQUIRE_2FA=False):
        client.get("/admin/oversight/", HTTP_HOST="localhost")  # warm: templates, menus
        for _ in range(5):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                response = client.get("/admin/oversight/", HTTP_HOST="localhost")
            timings.append((time.perf_counter() - started) * 1000)
            status, queries = response.status_code, len(captured)

    progress(f"Link check: {links} links over {hosts} local servers...")
    servers = _servers(hosts)
    try:
        rows = [
            LinkStatus(
                site=bench[0],
                url="http://{}:{}/page/{}{}".format(
                    *servers[n % hosts].server_address, n, "/gone" if n % 50 == 0 else ""
                ),
                kind="external",
            )
            for n in range(links)
        ]
        started = time.perf_counter()
        checked = [row for batch in check_many(rows) for row in batch]
        links_s = time.perf_counter() - started
    finally:
        for httpd in servers:
            httpd.shutdown()
            httpd.server_close()
    broken = sum(1 for row in checked if row.state == "broken")
    return {
        "sites": len(bench),
        "entries": network.entries,
        "sections_seconds": round(sections_s, 3),
        "publish_p50_ms": round(statistics.median(samples), 2),
        "publish_p95_ms": round(_percentile(samples, 95), 2),
        "refresh_seconds": round(refresh_s, 3),
        "refresh_sql": len(refresh_queries),
        "scored": scored,
        "dashboard_status": status,
        "dashboard_p50_ms": round(statistics.median(timings), 1),
        "dashboard_max_ms": round(max(timings), 1),
        "dashboard_sql": queries,
        "links": len(checked),
        "links_broken": broken,
        "links_seconds": round(links_s, 2),
        "links_per_second": round(len(checked) / links_s, 1) if links_s else None,
    }


def report(figures: dict) -> str:
    return "\n".join(
        [
            f"Oversight over {figures['sites']} sites ({figures['entries']} index entries)",
            f"  publish moves its site's score  p50 {figures['publish_p50_ms']} ms, p95 {figures['publish_p95_ms']} ms"
            " (bar: within a minute)",
            f"  daily pass, every site          {figures['refresh_seconds']} s, {figures['refresh_sql']} SQL queries",
            f"  dashboard (real view)           p50 {figures['dashboard_p50_ms']} ms, max {figures['dashboard_max_ms']} ms,"
            f" {figures['dashboard_sql']} SQL queries, HTTP {figures['dashboard_status']} (bar: < 1 s at 1,000 sites)",
            f"  link check                      {figures['links']} links in {figures['links_seconds']} s"
            f" ({figures['links_per_second']}/s, {figures['links_broken']} broken) (bar: 10,000 in < 5 min)",
        ]
    )
