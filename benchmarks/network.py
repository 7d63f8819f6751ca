"""`cms benchmark network`: the national feeds over a national index of 1,000 sites, over real HTTP.

The feeds read one table in the public schema (the national index) and the registry, never a
site's schema, so the benchmark registry is made of `sites.Association` rows without schemas,
and the index is filled directly (bulk inserts) rather than by publishing pages on 1,000 sites.
Runs on a throwaway embedded PostgreSQL: nothing of the user's data folder is touched.
"""

from __future__ import annotations

import datetime
import json
import math
import random
import statistics
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from cms.network.models import IndexEntry
from cms.pages.taxonomy import ArtForm
from sites.models import Association, Domain

BAR_MS = 50.0  # DESIGN.md section 6: national feed over 1,000 sites, p95 under 50 ms
BAR_SITES, BAR_ITEMS = 1000, 50
DOMAIN_SUFFIX = "bench.localhost"
CENTRAL_HOST = "localhost"
SEED = 2026

Kind = Association.Kind

PROVINCES = [
    "北京",
    "天津",
    "河北",
    "山西",
    "内蒙古",
    "辽宁",
    "吉林",
    "黑龙江",
    "上海",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "广西",
    "海南",
    "重庆",
    "四川",
    "贵州",
    "云南",
    "西藏",
    "陕西",
    "甘肃",
    "青海",
    "宁夏",
    "新疆",
]
MUNICIPALITIES = {"北京", "天津", "上海", "重庆"}
AUTONOMOUS_REGIONS = {
    "内蒙古": "内蒙古自治区",
    "广西": "广西壮族自治区",
    "西藏": "西藏自治区",
    "宁夏": "宁夏回族自治区",
    "新疆": "新疆维吾尔自治区",
}
# The twelve national associations, each with the art form its items carry.
ASSOCIATIONS = [
    ("中国作家协会", "中国作协", ArtForm.LITERATURE),
    ("中国戏剧家协会", "中国剧协", ArtForm.THEATRE),
    ("中国电影家协会", "中国影协", ArtForm.FILM),
    ("中国音乐家协会", "中国音协", ArtForm.MUSIC),
    ("中国美术家协会", "中国美协", ArtForm.FINE_ARTS),
    ("中国曲艺家协会", "中国曲协", ArtForm.QUYI),
    ("中国舞蹈家协会", "中国舞协", ArtForm.DANCE),
    ("中国民间文艺家协会", "中国民协", ArtForm.FOLK_ART),
    ("中国摄影家协会", "中国摄协", ArtForm.PHOTOGRAPHY),
    ("中国书法家协会", "中国书协", ArtForm.CALLIGRAPHY),
    ("中国杂技家协会", "中国杂协", ArtForm.ACROBATICS),
    ("中国电视艺术家协会", "中国视协", ArtForm.TELEVISION),
]
# Place names are made of two syllables; 32 x 32 names before a number is needed.
FIRST = "东西南北青白金安长永兴宁平新福嘉华清云龙丰泰和荣盛昌德阳明江山河"
SECOND = "阳安州山城川宁平源江水峰林田溪原德兴丰泰华明远海湖桥关台庄坪口门"

SECTIONS = {  # page type -> (section id on every site, section title, slug)
    "article": (3, "新闻动态", "news"),
    "notice": (4, "通知公告", "notices"),
    "event": (5, "活动", "events"),
    "work": (6, "作品展示", "works"),
    "profile": (7, "文艺人才", "artists"),
}
TYPE_WEIGHTS = [("article", 70), ("notice", 20), ("event", 5), ("work", 3), ("profile", 2)]
TAGS = [
    "工作动态",
    "文艺志愿服务",
    "深入生活",
    "扎根人民",
    "文艺评论",
    "人才培养",
    "惠民演出",
    "党建工作",
    "精品创作",
    "非遗保护",
    "乡村振兴",
    "主题创作",
]
ARTICLE_TITLES = [
    "{org}召开{year}年度文艺创作工作会议",
    "{org}举办{art}作品展",
    "{org}组织文艺工作者赴{place}深入生活采风",
    "“文艺进万家”{art}惠民演出走进{place}",
    "{art}创作研讨会在{place}举行",
    "{org}学习贯彻全国文代会精神",
    "{org}{art}人才培训班结业",
    "第{n}届{region}{art}大赛颁奖典礼举行",
    "{org}召开第{n}次全委会议",
    "{place}{art}志愿服务队开展送文化下乡活动",
    "{org}与{place}签署文艺人才培养合作协议",
    "{region}{art}精品工程成果发布",
]
NOTICE_TITLES = [
    "关于举办{year}年{region}{art}作品征集活动的通知",
    "关于申报{year}年度{org}会员的通知",
    "关于开展{art}志愿服务活动的通知",
    "{org}{year}年公开招聘工作人员公告",
    "关于报送{year}年度重点文艺创作选题的通知",
    "关于第{n}届{region}{art}大赛评审结果的公示",
]
EVENT_TITLES = ["{art}专场演出：{place}站", "“{season}{art}”主题展览", "{region}{art}名家讲坛第{n}期"]
WORK_TITLES = ["《{place}{season}》", "《{season}的{place}》", "《{place}记忆》"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["建国", "秀英", "志强", "海燕", "文华", "晓明", "丽娟", "国庆", "雪梅", "振华", "春生", "玉兰"]
SEASONS = ["春", "夏", "秋", "冬", "春风", "山水", "丰收", "家园"]
SUMMARIES = [
    "活动坚持以人民为中心的创作导向，推动文艺精品创作生产，受到广大群众好评。",
    "与会代表围绕新时代文艺工作深入交流，提出了许多有价值的意见建议。",
    "文艺工作者深入生活、扎根人民，创作了一批反映时代风貌的优秀作品。",
    "本次活动吸引了众多文艺爱好者参与，进一步丰富了基层群众的精神文化生活。",
]


@dataclass
class Network:
    """What was built, and the ids the measured queries filter on."""

    sites_by_kind: dict[str, int]
    entries: int
    content_items: int
    national_id: int
    province_id: int
    province_region: str
    province_host: str
    province_children: int
    province_descendants: int
    leaf_host: str  # a county site: no sites below it, so its childrenFeed is empty
    seconds: float


def registry_shape(sites: int) -> dict[str, int]:
    """How many sites of each level: 1 national federation, 12 associations, 31 provinces, the rest below them.

    Below 100 sites the associations and provinces are scaled down so that every level is present.
    """
    if sites < 5:
        raise ValueError("The benchmark network needs at least 5 sites (one of each level).")
    associations = min(len(ASSOCIATIONS), max(1, sites // 10))
    provinces = min(len(PROVINCES), max(1, sites // 5))
    rest = sites - 1 - associations - provinces
    municipal = max(1, math.ceil(rest / 4))
    return {
        Kind.NATIONAL_FEDERATION: 1,
        Kind.NATIONAL_ASSOCIATION: associations,
        Kind.PROVINCIAL: provinces,
        Kind.MUNICIPAL: municipal,
        Kind.COUNTY: rest - municipal,
    }


def place_name(number: int) -> str:
    name = FIRST[number % len(FIRST)] + SECOND[(number // len(FIRST)) % len(SECOND)]
    return name if number < len(FIRST) * len(SECOND) else f"{name}{number // (len(FIRST) * len(SECOND))}"


def _province_name(region: str) -> str:
    return region + "市" if region in MUNICIPALITIES else AUTONOMOUS_REGIONS.get(region, region + "省")


@transaction.atomic
def build_network(
    *, sites: int = BAR_SITES, items_per_site: int = BAR_ITEMS, progress: Callable[[str], None] = print
) -> Network:
    """A registry of `sites` sites (no schemas) and `items_per_site` published items each in the national index.

    Each site also gets its home page and five sections in the index, as the real index holds them
    (feeds must skip them), and a primary domain `<slug>.bench.localhost`. Slugs are `bench-0001`...,
    schema names `bench_0001`...; the random choices are seeded, so two runs build the same network.
    """
    started = time.perf_counter()
    if items_per_site < 1:
        raise ValueError("The benchmark network needs at least one item a site.")
    shape = registry_shape(sites)
    rng = random.Random(SEED)
    counter = iter(range(1, sites + 1))
    made: list[Association] = []

    def new(*, name: str, short_name: str, kind: str, region: str, parent: Association | None) -> Association:
        number = next(counter)
        return Association(
            schema_name=f"bench_{number:04d}",
            slug=f"bench-{number:04d}",
            name=name,
            short_name=short_name,
            kind=kind,
            region=region,
            parent=parent,
        )

    def create(batch: list[Association]) -> list[Association]:
        created = Association.objects.bulk_create(batch)  # PostgreSQL returns the ids
        made.extend(created)
        return created

    progress(f"Registry: {sites} sites...")
    (national,) = create(
        [
            new(
                name="中国文学艺术界联合会",
                short_name="中国文联",
                kind=Kind.NATIONAL_FEDERATION,
                region="全国",
                parent=None,
            )
        ]
    )
    association_art = {}
    associations = create(
        [
            new(name=name, short_name=short, kind=Kind.NATIONAL_ASSOCIATION, region="全国", parent=national)
            for name, short, _ in ASSOCIATIONS[: shape[Kind.NATIONAL_ASSOCIATION]]
        ]
    )
    for site, (_, _, art) in zip(associations, ASSOCIATIONS, strict=False):
        association_art[site.pk] = art.value
    provinces = create(
        [
            new(
                name=f"{_province_name(region)}文学艺术界联合会",
                short_name=f"{region}文联",
                kind=Kind.PROVINCIAL,
                region=region,
                parent=national,
            )
            for region in PROVINCES[: shape[Kind.PROVINCIAL]]
        ]
    )
    municipals = create(
        [
            new(
                name=f"{place_name(n)}市文学艺术界联合会",
                short_name=f"{place_name(n)}市文联",
                kind=Kind.MUNICIPAL,
                region=provinces[n % len(provinces)].region,
                parent=provinces[n % len(provinces)],
            )
            for n in range(shape[Kind.MUNICIPAL])
        ]
    )
    counties = create(
        [
            new(
                name=f"{place_name(n)}县文学艺术界联合会",
                short_name=f"{place_name(n)}县文联",
                kind=Kind.COUNTY,
                region=municipals[n % len(municipals)].region,
                parent=municipals[n % len(municipals)],
            )
            for n in range(shape[Kind.COUNTY])
        ]
    )
    Domain.objects.bulk_create(
        [Domain(domain=f"{site.slug}.{DOMAIN_SUFFIX}", tenant=site, is_primary=True) for site in made]
    )

    by_id = {site.pk: site for site in made}

    def ancestors(site: Association) -> list[int]:
        chain, current = [], site.parent_id
        while current is not None:
            chain.append(current)
            current = by_id[current].parent_id
        return chain

    now = timezone.now()
    types = [name for name, weight in TYPE_WEIGHTS for _ in range(weight)]
    arts = list(ArtForm)
    batch: list[IndexEntry] = []
    total = 0
    for number, site in enumerate(made, start=1):
        host = f"{site.slug}.{DOMAIN_SUFFIX}"
        placement = {"site_kind": site.kind, "region": site.region, "ancestor_ids": ancestors(site)}
        founded = now - datetime.timedelta(days=400)
        # The home page and its sections, as the real index has them: feeds skip these.
        batch.append(
            IndexEntry(
                site=site,
                page_id=2,
                page_type="home",
                title=site.name,
                published_at=founded,
                updated_at=founded,
                url=f"http://{host}/",
                canonical_url=f"http://{host}/",
                **placement,
            )
        )
        for section_id, title, slug in SECTIONS.values():
            batch.append(
                IndexEntry(
                    site=site,
                    page_id=section_id,
                    page_type="section",
                    section_id=section_id,
                    section_title=title,
                    title=title,
                    published_at=founded,
                    updated_at=founded,
                    url=f"http://{host}/{slug}/",
                    canonical_url=f"http://{host}/{slug}/",
                    **placement,
                )
            )
        own_art = association_art.get(site.pk)
        for item in range(items_per_site):
            page_type = rng.choice(types)
            section_id, section_title, section_slug = SECTIONS[page_type]
            art_forms = sorted({own_art, *(a.value for a in rng.sample(arts, rng.randint(0, 1)))} - {None})
            if not own_art and rng.random() < 0.6:  # a federation's items: often one or two art forms
                art_forms = sorted({a.value for a in rng.sample(arts, rng.randint(1, 2))})
            art = ArtForm(art_forms[0]).label if art_forms else "文艺"
            words = {
                "org": site.short_name,
                "art": art,
                "region": site.region,
                "place": place_name(rng.randrange(1024)),
                "year": now.year - rng.randint(0, 1),
                "n": rng.randint(2, 30),
                "season": rng.choice(SEASONS),
            }
            if page_type == "article":
                title = rng.choice(ARTICLE_TITLES).format(**words)
            elif page_type == "notice":
                title = rng.choice(NOTICE_TITLES).format(**words)
            elif page_type == "event":
                title = rng.choice(EVENT_TITLES).format(**words)
            elif page_type == "work":
                title = rng.choice(WORK_TITLES).format(**words)
            else:
                title = rng.choice(SURNAMES) + rng.choice(GIVEN)
            published = now - datetime.timedelta(seconds=rng.uniform(0, 365 * 86400))
            updated = min(now, published + datetime.timedelta(hours=rng.choice([0, 0, 0, 1, 24, 72])))
            page_id = 100 + item
            url = f"http://{host}/{section_slug}/p{page_id}/"
            canonical, source = url, ""
            if site.parent_id and rng.random() < 0.03:  # a copy republished from the parent federation
                parent = by_id[site.parent_id]
                canonical = f"http://{parent.slug}.{DOMAIN_SUFFIX}/news/p{100 + rng.randrange(max(items_per_site, 1))}/"
                source = parent.short_name
            batch.append(
                IndexEntry(
                    site=site,
                    page_id=page_id,
                    page_type=page_type,
                    section_id=section_id,
                    section_title=section_title,
                    title=title,
                    summary=rng.choice(SUMMARIES),
                    art_forms=art_forms,
                    tags=rng.sample(TAGS, rng.randint(1, 2)),
                    date=timezone.localdate(published),
                    published_at=published,
                    updated_at=updated,
                    url=url,
                    canonical_url=canonical,
                    source_site_name=source,
                    **placement,
                )
            )
        if len(batch) >= 5000 or number == len(made):
            IndexEntry.objects.bulk_create(batch, batch_size=2500)
            total += len(batch)
            batch = []
            progress(f"  index: {number}/{len(made)} sites, {total} entries")
    with connection.cursor() as cursor:  # fresh statistics, as autovacuum would have them after a bulk load
        cursor.execute(f"ANALYZE {IndexEntry._meta.db_table}")
        cursor.execute(f"ANALYZE {Association._meta.db_table}")
        cursor.execute(f"ANALYZE {Domain._meta.db_table}")

    province = next((p for p in provinces if p.region == "浙江"), provinces[0])
    return Network(
        sites_by_kind=dict(Counter(site.kind for site in made)),
        entries=total,
        content_items=sites * items_per_site,
        national_id=national.pk,
        province_id=province.pk,
        province_region=province.region,
        province_host=f"{province.slug}.{DOMAIN_SUFFIX}",
        province_children=sum(1 for s in made if s.parent_id == province.pk),
        province_descendants=sum(1 for s in made if province.pk in ancestors(s)),
        leaf_host=f"{(counties or municipals)[0].slug}.{DOMAIN_SUFFIX}",
        seconds=time.perf_counter() - started,
    )


# --- Measuring ---

ITEM_FIELDS = """items { id title url type date publishedAt section { id title } artForms { code name } tags
      site { id name shortName kindName region domain } canonicalUrl sourceSite }
    pageInfo { hasNextPage endCursor }"""


@dataclass
class Probe:
    label: str
    host: str
    query: str
    list_key: str


@dataclass
class Timing:
    queries: int | None
    p50_ms: float
    p95_ms: float


@dataclass
class Row:
    label: str
    items: int
    executed: Timing
    cached: Timing
    notes: list[str] = field(default_factory=list)


def probes(network: Network) -> list[Probe]:
    """The representative feed queries (the cursor of the second page is filled in by `measure`)."""
    feed = "{ networkFeed(%s) { " + ITEM_FIELDS + " } }"
    children = "{ childrenFeed(%s) { " + ITEM_FIELDS + " } }"
    return [
        Probe("latest 20, nationwide", CENTRAL_HOST, feed % "first: 20", "networkFeed"),
        Probe("kind: PROVINCIAL", CENTRAL_HOST, feed % "kind: PROVINCIAL, first: 20", "networkFeed"),
        Probe(
            f'region: "{network.province_region}"',
            CENTRAL_HOST,
            feed % f'region: "{network.province_region}", first: 20',
            "networkFeed",
        ),
        Probe(
            f"under: {network.province_region} province",
            CENTRAL_HOST,
            feed % f'under: "{network.province_id}", first: 20',
            "networkFeed",
        ),
        Probe("artForm: MUSIC", CENTRAL_HOST, feed % "artForm: MUSIC, first: 20", "networkFeed"),
        Probe("second page (after cursor)", CENTRAL_HOST, feed % 'first: 20, after: "{cursor}"', "networkFeed"),
        Probe("childrenFeed, province host", network.province_host, children % "first: 20", "childrenFeed"),
        Probe(
            "childrenFeed(descendants)",
            network.province_host,
            children % "descendants: true, first: 20",
            "childrenFeed",
        ),
        # The worst case found with EXPLAIN ANALYZE: `ancestor_ids[1] = <id>` has no index, so for a site with
        # no children PostgreSQL walks the whole of index_latest to find nothing (most sites are counties).
        Probe("childrenFeed, county host", network.leaf_host, children % "first: 20", "childrenFeed"),
    ]


def measure(
    *, base_url: str, network: Network, requests: int = 100, warmup: int = 6, progress: Callable[[str], None] = print
) -> list[Row]:
    """Each probe as GET over real HTTP: `requests` sequential requests executed (Cache-Control: no-cache), then as
    many with the answer cache on. SQL queries per request come from the server's X-SQL-Queries header."""
    import requests as http

    session = http.Session()

    def call(probe: Probe, query: str, fresh: bool):
        headers = {"Host": probe.host, "Accept": "application/json"}
        if fresh:
            headers["Cache-Control"] = "no-cache"
        response = session.get(base_url, params={"query": query}, headers=headers, timeout=60)
        try:
            payload = response.json()
        except ValueError:
            payload = {"errors": [response.text[:300]]}
        if response.status_code != 200 or payload.get("errors"):
            answer = json.dumps(payload, ensure_ascii=False)[:500]
            raise RuntimeError(f"{probe.label}: HTTP {response.status_code} {answer}")
        return response, payload["data"][probe.list_key]

    def timed(probe: Probe, query: str, fresh: bool) -> Timing:
        for _ in range(warmup):  # each worker routes the host and parses the query once
            call(probe, query, fresh)
        latencies, counts = [], []
        for _ in range(requests):
            started = time.perf_counter()
            response, _ = call(probe, query, fresh)
            latencies.append((time.perf_counter() - started) * 1000)
            if "X-SQL-Queries" in response.headers:
                counts.append(int(response.headers["X-SQL-Queries"]))
        return Timing(
            queries=int(statistics.median(counts)) if counts else None,
            p50_ms=statistics.median(latencies),
            p95_ms=percentile(latencies, 95),
        )

    first_page = None
    rows = []
    for probe in probes(network):
        query = probe.query
        if "{cursor}" in query:
            if not first_page["pageInfo"]["endCursor"]:
                continue  # fewer than 21 items in the whole network: there is no second page
            query = query.replace("{cursor}", first_page["pageInfo"]["endCursor"])
        progress(f"  {probe.label}...")
        _, data = call(probe, query, fresh=True)
        if first_page is None:
            first_page = data
        rows.append(
            Row(
                label=probe.label,
                items=len(data["items"]),
                executed=timed(probe, query, fresh=True),
                cached=timed(probe, query, fresh=False),
                notes=_check_order(data["items"]),
            )
        )
    return rows


def _pad(text: str, width: int) -> str:
    """Left-aligned in `width` terminal columns (a Chinese character takes two)."""
    used = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    return text + " " * max(0, width - used)


def percentile(values: list[float], percent: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * percent / 100) - 1)]


def _check_order(items: list[dict]) -> list[str]:
    stamps = [item["publishedAt"] for item in items]
    parsed = [datetime.datetime.fromisoformat(s) for s in stamps]
    return [] if parsed == sorted(parsed, reverse=True) else ["not newest first"]


def count_queries_in_process(network: Network) -> dict[str, int]:
    """The same probes through Django's test client in this process, counting SQL statements (a cross-check
    of the X-SQL-Queries header, and the count when the server does not send it)."""
    from django.core.cache import cache
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    counts = {}
    cursor = None
    for probe in probes(network):
        query = probe.query.replace("{cursor}", cursor or "")
        client.get("/graphql/", {"query": query}, HTTP_HOST=probe.host)  # routes the host once
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/graphql/", {"query": query}, HTTP_HOST=probe.host, HTTP_CACHE_CONTROL="no-cache")
        payload = response.json()
        if payload.get("errors"):
            raise RuntimeError(f"{probe.label}: {payload['errors']}")
        if cursor is None:
            cursor = payload["data"][probe.list_key]["pageInfo"]["endCursor"]
        counts[probe.label] = len(captured.captured_queries)
        connection.set_schema_to_public()
    cache.clear()
    return counts


def report(
    rows: list[Row],
    network: Network,
    *,
    sites: int,
    items_per_site: int,
    workers: int,
    requests: int,
    in_process: dict[str, int] | None = None,
) -> str:
    kinds = network.sites_by_kind
    worst = max(rows, key=lambda row: row.executed.p95_ms)
    at_bar_size = sites >= BAR_SITES and items_per_site >= BAR_ITEMS
    met = worst.executed.p95_ms < BAR_MS
    lines = [
        "National feed benchmark: GraphQL GET over real HTTP; the feeds read the national index (one public table).",
        (
            f"Registry: {sites} sites: {kinds.get(Kind.NATIONAL_FEDERATION, 0)} national federation,"
            f" {kinds.get(Kind.NATIONAL_ASSOCIATION, 0)} national associations, {kinds.get(Kind.PROVINCIAL, 0)} provincial,"
            f" {kinds.get(Kind.MUNICIPAL, 0)} municipal, {kinds.get(Kind.COUNTY, 0)} county."
        ),
        (
            "They are registry rows without schemas: the feeds read only the index and the registry, never a site's"
            " schema, so no schemas were made."
        ),
        (
            "On a site host, the request's one per-site read (the content version in the answer-cache key) finds no"
            " site schema and reads the public schema's table instead: the same one-row query."
        ),
        (
            f"Index: {network.content_items} content items ({items_per_site} a site, published over the last year)"
            f" + home and section entries = {network.entries} rows; built in {network.seconds:.1f} s, then ANALYZE."
        ),
        (
            f"Province probed: {network.province_region} (id {network.province_id}, {network.province_children}"
            f" children, {network.province_descendants} sites below it), childrenFeed on {network.province_host};"
            f" a county with no sites below it: {network.leaf_host}."
        ),
        f"Server: gunicorn, {workers} workers, production settings. {requests} sequential requests per query and mode.",
        "'executed' sends Cache-Control: no-cache, so every request runs the query; 'cached' is the answer cache.",
        (
            "SQL per request, executed: SET search_path, content version, network version, the feed, the sites'"
            " domains (none when the feed is empty); cached: the first three."
        ),
        "",
    ]
    header = (
        f"{'query':32}{'items':>6}{'SQL':>5}{'p50 ms':>9}{'p95 ms':>9}   {'cached: SQL':>11}{'p50 ms':>9}{'p95 ms':>9}"
    )
    lines += [header, "-" * len(header)]
    for row in rows:
        sql = "?" if row.executed.queries is None else str(row.executed.queries)
        cached_sql = "?" if row.cached.queries is None else str(row.cached.queries)
        line = (
            f"{_pad(row.label, 32)}{row.items:>6}{sql:>5}{row.executed.p50_ms:>9.1f}{row.executed.p95_ms:>9.1f}   "
            f"{cached_sql:>11}{row.cached.p50_ms:>9.1f}{row.cached.p95_ms:>9.1f}"
        )
        if row.notes:
            line += "  (" + ", ".join(row.notes) + ")"
        lines.append(line)
    lines.append("")
    if in_process:
        same = all(in_process.get(row.label) == row.executed.queries for row in rows)
        lines.append(
            "SQL queries per executed request counted in-process (Django test client, CaptureQueriesContext): "
            + (
                "the same as over HTTP."
                if same
                else "; ".join(f"{label}: {n}" for label, n in in_process.items()) + "."
            )
        )
    verdict = "met" if met else "NOT met"
    size = "" if at_bar_size else f" (this run is smaller than the bar's {BAR_SITES:,} sites x {BAR_ITEMS} items)"
    lines.append(
        f"Bar (DESIGN.md 6): p95 under {BAR_MS:.0f} ms at {BAR_SITES:,} sites x {BAR_ITEMS} items, executed: "
        f"{verdict} -- slowest p95 {worst.executed.p95_ms:.1f} ms ({worst.label}){size}."
    )
    return "\n".join(lines)
