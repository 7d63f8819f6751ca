"""`cms benchmark graphql`: our endpoint against stock wagtail-grapple, same data, same server, real HTTP.

Runs on a throwaway embedded PostgreSQL: nothing of the user's data folder is touched.
"""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass

from django.db import connection

BENCH_HOST = "bench.localhost"


class CountQueriesMiddleware:
    """Adds X-SQL-Queries: every statement of the request, routing included (benchmark settings only)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-SQL-Queries"] = str(count)
        return response


def build_site(*, articles: int, progress=print):
    """One site with `articles` articles, each with its own cover, body images, gallery, document and table."""
    from django_tenants.utils import schema_context

    from cms.pages.models import SiteSettings
    from sites.models import Association
    from sites.services import create_site

    if Association.objects.filter(slug="bench").exists():
        return
    site = create_site(
        name="基准测试网站",
        short_name="基准",
        slug="bench",
        kind="national_federation",
        domain=BENCH_HOST,
        theme="blank",
    )
    with schema_context(site.schema_name):
        from wagtail.models import Site

        wagtail_site = Site.objects.get()
        section = add_section(wagtail_site.root_page)
        for number in range(articles):
            if number % 20 == 0:
                progress(f"  articles {number}/{articles}")
            add_article(section, number)
        settings = SiteSettings.for_site(wagtail_site)
        settings.icp_number = "京ICP备00000000号"
        settings.sponsor = "基准测试网站"
        settings.navigation = [{"type": "menu", "value": {"label": "", "page": section.pk, "url": "", "children": []}}]
        settings.save()


def add_section(home, *, title: str = "新闻动态", slug: str = "news"):
    """A published section below the home page (in the current schema)."""
    from cms.pages.models import SectionPage

    section = SectionPage(title=title, slug=slug, show_in_menus=True)
    home.add_child(instance=section)
    section.save_revision().publish()
    return section


def add_article(section, number: int, *, title: str | None = None, tags: tuple[str, ...] = ()):
    """A published article with its own cover, inline image, gallery, quote, document and table (in the current
    schema)."""
    from cms.pages.models import ArticlePage

    cover, inline, document = make_image(number, "封面"), make_image(number, "插图"), make_document(number)
    article = ArticlePage(
        title=title or f"基准文章{number:04d}：文艺工作者深入基层开展创作",
        date=f"2026-{1 + number % 12:02d}-{1 + number % 28:02d}",
        author="宣传部",
        source="基准",
        summary="文艺工作者深入生活、扎根人民，创作了一批优秀作品。" * 2,
        cover=cover,
        art_forms=["literature", "music"],
        body=[
            {"type": "paragraph", "value": "<p>" + "会议强调，要坚持以人民为中心的创作导向。" * 8 + "</p>"},
            {"type": "image", "value": {"image": inline.pk, "caption": "活动现场"}},
            {"type": "paragraph", "value": "<p>" + "与会代表深入交流，提出了许多意见建议。" * 8 + "</p>"},
            {
                "type": "gallery",
                "value": {
                    "title": "组图",
                    "images": [{"image": cover.pk, "caption": "一"}, {"image": inline.pk, "caption": "二"}],
                },
            },
            {"type": "quote", "value": {"text": "文艺是时代前进的号角", "attribution": ""}},
            {"type": "attachment", "value": {"document": document.pk, "title": "会议材料"}},
            {
                "type": "table",
                "value": {
                    "data": [["项目", "数量"], ["作品", str(number)]],
                    "first_row_is_table_header": True,
                    "first_col_is_header": False,
                },
            },
        ],
    )
    article.tags.add("工作动态", f"专题{number % 10}", *tags)
    section.add_child(instance=article)
    article.save_revision().publish()
    return article


def make_image(number: int, label: str):
    import io

    from django.core.files.images import ImageFile
    from PIL import Image as PILImage

    from cms.media.models import SiteImage

    buffer = io.BytesIO()
    PILImage.new("RGB", (1280, 720), ((number * 37) % 255, 90, 120)).save(buffer, format="JPEG", quality=80)
    image = SiteImage(title=f"{label}{number}")
    image.file = ImageFile(buffer, name=f"{label}-{number}.jpg")
    image.save()
    return image


def make_document(number: int):
    from django.core.files.base import ContentFile

    from cms.media.models import SiteDocument

    document = SiteDocument(title=f"会议材料{number}")
    document.file = ContentFile(b"%PDF-1.4 benchmark", name=f"material-{number}.pdf")
    document.save()
    return document


@dataclass
class Result:
    name: str
    queries: int
    items: int
    median_ms: float
    p95_ms: float
    throughput: float


def measure(
    *,
    name: str,
    url: str,
    query: str,
    list_key: str,
    requests_for_latency: int,
    seconds: float,
    concurrency: int,
    fresh: bool = False,
) -> Result:
    """Latency and throughput of one endpoint; `fresh` asks ours to execute every request (no answer cache)."""
    import requests

    session = requests.Session()
    headers = {"Host": BENCH_HOST, "Content-Type": "application/json"}
    if fresh:
        headers["Cache-Control"] = "no-cache"

    def call(client):
        response = client.post(url, json={"query": query}, headers=headers, timeout=60)
        payload = response.json()
        if response.status_code != 200 or payload.get("errors"):
            raise RuntimeError(f"{name}: {response.status_code} {str(payload)[:500]}")
        return response, payload

    warm, attempts = 0, 0
    while warm < 6:  # renditions are made on first use, and each worker warms its caches
        attempts += 1
        try:
            response, payload = call(session)
            warm += 1
        except RuntimeError as error:
            # Making every rendition of a large site can outlast the time limit on a busy machine; what was
            # made is kept, so the next attempt goes further.
            if "TIME_LIMIT" not in str(error) or attempts > 20:
                raise
    data = payload["data"]
    items = len(data["contentPages"]["items"]) if list_key == "contentPages" else len(data[list_key])

    latencies, query_counts = [], []
    for _ in range(requests_for_latency):
        started = time.perf_counter()
        response, _ = call(session)
        latencies.append((time.perf_counter() - started) * 1000)
        query_counts.append(int(response.headers["X-SQL-Queries"]))
    queries = int(statistics.median(query_counts))

    done = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker():
        nonlocal done
        client = requests.Session()
        while time.monotonic() < deadline:
            call(client)
            with lock:
                done += 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    return Result(
        name=name,
        queries=queries,
        items=items,
        median_ms=statistics.median(latencies),
        p95_ms=latencies[max(0, int(len(latencies) * 0.95) - 1)],
        throughput=done / elapsed,
    )


def report(
    results: list[Result], stock: Result, *, articles: int, workers: int, concurrency: int, seconds: float
) -> str:
    lines = [
        "GraphQL benchmark: a typical front page (navigation, the 20 latest articles with StreamField bodies",
        "and image renditions, footer), over real HTTP.",
        f"Site: {articles} articles, each with its own cover, inline image, gallery, document and table.",
        f"Server: gunicorn, {workers} workers, production settings. Client: {concurrency} connections for {seconds:.0f} s "
        "for throughput; sequential requests for latency.",
        "'ours, executed' sends Cache-Control: no-cache, so every request runs the query (no answer cache); each",
        "article's resolved subtree comes from the page-tree cache (cms/api/page_trees.py) once a worker has made it.",
        "'executed, no trees' is the same on a server with the page-tree cache off (GRAPHQL_PAGE_CACHE_MB=0).",
        "",
        f"{'':26}" + "".join(f"{r.name:>20}" for r in results) + f"{'stock grapple':>16}",
    ]

    def row(label, values, fmt):
        return f"{label:26}" + "".join(f"{fmt(v):>20}" for v in values[:-1]) + f"{fmt(values[-1]):>16}"

    everyone = [*results, stock]
    lines.append(row("articles in the list", [r.items for r in everyone], str))
    lines.append(row("SQL queries per request", [r.queries for r in everyone], str))
    lines.append(row("median latency (ms)", [r.median_ms for r in everyone], lambda v: f"{v:.1f}"))
    lines.append(row("p95 latency (ms)", [r.p95_ms for r in everyone], lambda v: f"{v:.1f}"))
    lines.append(row("throughput (req/s)", [r.throughput for r in everyone], lambda v: f"{v:.1f}"))
    lines.append(row("throughput vs stock", [r.throughput / stock.throughput for r in everyone], lambda v: f"{v:.2f}x"))
    return "\n".join(lines)
