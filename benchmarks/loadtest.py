"""`cms loadtest`: the real server under a mixed load across many sites, over real HTTP on loopback.

The command (`cms.cli.cmd_loadtest`) builds a throwaway database with N sites, starts gunicorn with
production settings, and calls `run` here: a pool of client threads, each with its own connections,
sends a weighted mix of requests for a bounded time (and, if asked, a bounded number of requests):

- pages: the typical front-page GraphQL query (`cms.api.examples.TYPICAL_PAGE_QUERY`) on a random site's
  host, half through the answer cache and half executed (`Cache-Control: no-cache`);
- feed: `networkFeed(first: 20)` on the central office's host, through the answer cache (each publish
  invalidates it);
- search: national `search(query: ...)` on the central office's host with words the content holds,
  executed (`no-cache`: real queries are a long tail the cache rarely holds);
- publish: an editor, logged in to a site's Wagtail admin, publishes a new article through the add-page
  form. A publish is acknowledged when the admin redirects after it; at the end every acknowledged
  publish must be in its site's GraphQL `pages` list, or it is counted as lost.

Memory: the resident size of each gunicorn worker and of PostgreSQL (the postmaster and its children)
after the warm-up and at the end. The figures and the targets are printed side by side.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import random
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ENDPOINTS = ["pages cached", "pages executed", "feed", "search", "publish", "opinion"]
MIX_KEYS = ("cached", "executed", "feed", "search", "publish", "opinion")
# Endpoints asked of the answer cache: each of their answers says (X-Cache) whether the cache gave it or it was
# executed (the first request after a publish changed the content), and each kind is held to its own target.
CACHED_ENDPOINTS = ("pages cached", "feed")
CENTRAL_HOST = "localhost"
EDITOR_USERNAME = "editor"
TIMEOUT = 30  # seconds a single request may take before it counts as an error
# Targets (DESIGN.md 6, "Load and faults"): 0 errors at 32 connections on 2 workers, worker memory flat.
# Answers from the answer cache within 100 ms, executed ones within 400 ms: a request asked of the cache that
# found nothing there (its content changed since) is an executed answer and is held to that target.
FROM_CACHE, EXECUTED = "from the cache", "executed"
TARGET_P99_MS = {
    f"pages cached: {FROM_CACHE}": 100.0,
    f"pages cached: {EXECUTED}": 400.0,
    "pages executed": 400.0,
    f"feed: {FROM_CACHE}": 100.0,
    f"feed: {EXECUTED}": 400.0,
    "search": 400.0,
}
TARGET_RSS_GROWTH = 10.0  # percent
# Words the sites' articles carry (in tags, hence in the national index), searched nationally.
SEARCH_WORDS = ["书法", "京剧", "惠民演出", "采风", "文艺志愿服务", "创作"]
FEED_QUERY = "{ networkFeed(first: 20) { items { title url site { name } } pageInfo { hasNextPage endCursor } } }"
SEARCH_QUERY = "query($q: String!) { search(query: $q, first: 10) { totalCount items { title url snippet } } }"
PAGES_QUERY = '{ pages(contentType: "pages.ArticlePage", inSite: true, limit: 100, offset: %d, order: "id") { slug } }'
FORM_TOKEN_QUERY = "{ opinionFormToken }"  # noqa: S105 (a query, not a secret)
SUBMIT_QUERY = "mutation($input: SubmitOpinionInput!) { submitOpinion(input: $input) { code status } }"
OPINION_CATEGORIES = ["文艺创作", "权益保障", "其他"]
# The server is started with CMS_CLIENT_IP_HEADER set to this, and each submission comes from its own address
# in 10.0.0.0/8, as behind a proxy: the per-address limits are exercised, not hit by one loopback address.
CLIENT_IP_HEADER = "X-Real-IP"
MIN_FILL_SECONDS = 1  # the server's CMS_OPINION_MIN_FILL_SECONDS in the load test (3 s by default)


def parse_mix(text: str) -> dict[str, float]:
    """`cached=6,executed=1,feed=2,search=1,publish=0.1` -> weights; keys left out weigh 0."""
    weights = dict.fromkeys(MIX_KEYS, 0.0)
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or key not in weights:
            raise ValueError(f"--mix: '{part}' is not one of {', '.join(f'{k}=<weight>' for k in MIX_KEYS)}.")
        try:
            weights[key] = float(value)
        except ValueError:
            raise ValueError(f"--mix: the weight of {key} must be a number, not '{value}'.") from None
        if not math.isfinite(weights[key]) or weights[key] < 0:
            raise ValueError(f"--mix: the weight of {key} must be zero or more.")
    if not any(weights.values()):
        raise ValueError("--mix: at least one weight must be above zero.")
    return weights


# --- Building the sites (in the `cms loadtest` process, Django set up, public schema) ----------------


@dataclass(frozen=True)
class LoadSite:
    slug: str
    domain: str
    section_id: int


def build_sites(
    *, sites: int, articles: int, editor_password: str, progress: Callable[[str], None] = print
) -> list[LoadSite]:
    """`sites` sites from the blank theme (the first a national federation, the others provincial federations
    below it), each with a news section of `articles` published articles (each with its own cover, inline image,
    gallery, document and table, tagged with one of SEARCH_WORDS), a mailbox (意见箱) and an editor (a superuser)
    who may log in to its admin. The editors' password is hashed once and the hash reused (hashing is slow on purpose)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from wagtail.models import Site

    from benchmarks.graphql import add_article, add_section
    from cms.feedback.models import MailboxPage
    from cms.pages.models import SiteSettings
    from sites.services import create_site

    if sites < 1:
        raise ValueError("The load test needs at least one site.")
    password_hash = make_password(editor_password)
    made: list[LoadSite] = []
    parent = None
    sections: dict[str, int] = {}
    for number in range(sites):
        slug = f"load-{number:03d}"
        name = f"压测网站{number:03d}文学艺术界联合会"

        def populate(number=number, slug=slug):
            wagtail_site = Site.objects.get(is_default_site=True)
            section = add_section(wagtail_site.root_page)
            for item in range(articles):
                word = SEARCH_WORDS[(number + item) % len(SEARCH_WORDS)]
                add_article(
                    section,
                    number * 1000 + item,
                    tags=(word,),
                    title=f"压测{number:03d}号网站{word}活动纪实（{item + 1}）",
                )
            feedback = add_section(wagtail_site.root_page, title="意见建议", slug="feedback")
            mailbox = MailboxPage(title="意见箱", slug="mailbox", categories="\n".join(OPINION_CATEGORIES))
            feedback.add_child(instance=mailbox)
            mailbox.save_revision().publish()
            settings = SiteSettings.for_site(wagtail_site)
            settings.icp_number = "京ICP备00000000号"
            settings.navigation = [
                {"type": "menu", "value": {"label": "", "page": section.pk, "url": "", "children": []}}
            ]
            settings.save()
            editor = get_user_model().objects.create_superuser(username=EDITOR_USERNAME, email="", password=None)
            editor.password = password_hash
            editor.save(update_fields=["password"])
            sections[slug] = section.pk

        site = create_site(
            name=name,
            short_name=f"压测{number:03d}",
            slug=slug,
            domain=f"{slug}.localhost",
            kind="national_federation" if parent is None else "provincial",
            parent=parent,
            theme="blank",
            populate=populate,
        )
        parent = parent or site
        made.append(LoadSite(slug=slug, domain=f"{slug}.localhost", section_id=sections[slug]))
        progress(f"  site {number + 1}/{sites}: {slug} ({articles} articles)")
    return made


# --- Driving the server --------------------------------------------------------------------------------------


@dataclass
class Sample:
    endpoint: str
    ms: float
    error: str | None
    cache: str | None = None  # the answer's X-Cache: HIT (the answer cache gave it) or MISS (executed)


@dataclass
class Submission:
    slug: str  # the site's
    code: str  # the code the public was given to follow it


@dataclass
class Publish:
    slug: str  # the site's
    page_slug: str


@dataclass
class Memory:
    workers: dict[int, int]  # pid -> RSS bytes
    postgres: int  # bytes, the postmaster and its children
    postgres_processes: int
    # CPU seconds (user + system) so far, by process id, of the web server (master and workers), PostgreSQL
    # (postmaster and its children) and this process (the client threads): their differences over the load
    # show where the cores went. A process that ended in between takes its seconds with it: at least.
    cpu_web: dict[int, float] = field(default_factory=dict)
    cpu_postgres: dict[int, float] = field(default_factory=dict)
    cpu_client: dict[int, float] = field(default_factory=dict)


@dataclass
class Result:
    sites: int
    articles: int
    connections: int
    seconds: float  # asked for
    elapsed: float  # measured
    max_requests: int | None
    workers: int
    threads: int
    mix: dict[str, float]
    samples: list[Sample]
    acknowledged: list[Publish]
    lost: list[Publish]
    submitted: list[Submission]
    submissions_lost: list[Submission]  # acknowledged, but not stored exactly once in the site's schema
    memory_start: Memory
    memory_end: Memory
    warmup_seconds: float
    search_hits: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    stock_worker: bool = False  # gunicorn's own gthread instead of ours (cms/webserver.py)


class Client:
    """One thread's connection to the server: GraphQL on any host, and the admin of a site as its editor."""

    def __init__(self, *, port: int):
        import requests

        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.session = requests.Session()
        self.last_cache: str | None = None  # X-Cache of the last GraphQL answer

    def host(self, slug: str | None) -> str:
        return f"{slug}.localhost:{self.port}" if slug else f"{CENTRAL_HOST}:{self.port}"

    def graphql(
        self,
        slug: str | None,
        query: str,
        *,
        variables: dict | None = None,
        fresh: bool,
        get: bool = False,
        headers: dict | None = None,
    ) -> dict:
        headers = {"Host": self.host(slug), "Accept": "application/json", **(headers or {})}
        if fresh:
            headers["Cache-Control"] = "no-cache"
        if get:
            params = {"query": query}
            if variables:
                params["variables"] = json.dumps(variables, ensure_ascii=False)
            response = self.session.get(
                f"{self.base}/graphql/", params=params, headers=headers, timeout=TIMEOUT, allow_redirects=False
            )
        else:
            response = self.session.post(
                f"{self.base}/graphql/",
                json={"query": query, "variables": variables or {}},
                headers=headers,
                timeout=TIMEOUT,
                allow_redirects=False,
            )
        self.last_cache = response.headers.get("X-Cache")
        if response.status_code != 200:
            raise RequestFailed(f"HTTP {response.status_code}")
        try:
            payload = response.json()
        except ValueError:
            raise RequestFailed("not JSON") from None
        if payload.get("errors") or "data" not in payload:
            raise RequestFailed("GraphQL errors: " + str(payload.get("errors"))[:120])
        return payload["data"]


class RequestFailed(Exception):
    """An answer that is not a success; its message is the kind of error."""


class Editor:
    """A site's editor, logged in to its Wagtail admin once; one publish at a time (a session is not shared)."""

    def __init__(self, *, port: int, site: LoadSite, password: str):
        self.client = Client(port=port)
        self.site = site
        self.password = password
        self.lock = threading.Lock()
        self.logged_in = False

    def _csrf(self, html: str) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if not match:
            raise RequestFailed("no CSRF token")
        return match.group(1)

    def login(self) -> None:
        c, host = self.client, self.client.host(self.site.slug)
        page = c.session.get(f"{c.base}/admin/login/", headers={"Host": host}, timeout=TIMEOUT, allow_redirects=False)
        if page.status_code != 200:
            raise RequestFailed(f"HTTP {page.status_code} (login page)")
        response = c.session.post(
            f"{c.base}/admin/login/",
            headers={"Host": host},
            timeout=TIMEOUT,
            allow_redirects=False,
            data={"username": EDITOR_USERNAME, "password": self.password, "csrfmiddlewaretoken": self._csrf(page.text)},
        )
        if response.status_code != 302:
            raise RequestFailed(f"HTTP {response.status_code} (login refused)")
        self.logged_in = True

    def publish(self, page_slug: str, title: str, word: str) -> None:
        """GET the add-article form, POST it with 'publish'; raises unless the admin acknowledged the publish."""
        c, host = self.client, self.client.host(self.site.slug)
        path = f"/admin/pages/add/pages/articlepage/{self.site.section_id}/"
        form = c.session.get(f"{c.base}{path}", headers={"Host": host}, timeout=TIMEOUT, allow_redirects=False)
        if form.status_code != 200:
            raise RequestFailed(f"HTTP {form.status_code} (add form)")
        response = c.session.post(
            f"{c.base}{path}",
            headers={"Host": host},
            timeout=TIMEOUT,
            allow_redirects=False,
            data={
                "csrfmiddlewaretoken": self._csrf(form.text),
                "title": title,
                "slug": page_slug,
                "date": time.strftime("%Y-%m-%d"),
                "summary": f"编辑在后台发布的{word}稿件。",
                "author": "压测编辑",
                "tags": word,
                "body-count": "0",
                "action-publish": "action-publish",
            },
        )
        if response.status_code != 302 or "/add/" in response.headers.get("Location", ""):
            errors = re.findall(r'class="error-message"[^>]*>\s*<[^>]+>([^<]+)', response.text or "")
            raise RequestFailed(
                f"HTTP {response.status_code} (publish not acknowledged{': ' + errors[0] if errors else ''})"
            )


def memory(*, gunicorn_pid: int, pgdata: Path) -> Memory:
    import psutil

    def cpu(process, *, with_ended_children: bool = False) -> float:
        times = process.cpu_times()
        if with_ended_children:  # children that ended (PostgreSQL's backends come and go) count for the parent
            return times.user + times.system + times.children_user + times.children_system
        return times.user + times.system

    master = psutil.Process(gunicorn_pid)
    workers, cpu_web = {}, {master.pid: cpu(master, with_ended_children=True)}
    for child in master.children():
        try:
            workers[child.pid] = child.memory_info().rss
            cpu_web[child.pid] = cpu(child)
        except psutil.NoSuchProcess:
            pass
    postmaster = psutil.Process(int((pgdata / "postmaster.pid").read_text().split()[0]))
    total, count, cpu_postgres = 0, 0, {}
    for process in [postmaster, *postmaster.children(recursive=True)]:
        try:
            total += process.memory_info().rss
            cpu_postgres[process.pid] = cpu(process, with_ended_children=process is postmaster)
            count += 1
        except psutil.NoSuchProcess:
            pass
    return Memory(
        workers=workers,
        postgres=total,
        postgres_processes=count,
        cpu_web=cpu_web,
        cpu_postgres=cpu_postgres,
        cpu_client={os.getpid(): cpu(psutil.Process())},
    )


def run(
    *,
    port: int,
    sites: list[LoadSite],
    editor_password: str,
    mix: dict[str, float],
    connections: int,
    seconds: float,
    max_requests: int | None,
    workers: int,
    threads: int,
    articles: int,
    gunicorn_pid: int,
    pgdata: Path,
    stock_worker: bool = False,
    seed: int = 2026,
    progress: Callable[[str], None] = print,
) -> Result:
    """Warm up, then `connections` threads send the mix for `seconds` (or until `max_requests`), then check that
    every acknowledged publish is visible."""
    from concurrent.futures import ThreadPoolExecutor

    editors = {site.slug: Editor(port=port, site=site, password=editor_password) for site in sites}
    started = time.monotonic()
    progress(
        f"Warming up: every site's front page (cached and executed), the feed, each search word, "
        f"{len(sites)} editor logins..."
    )
    local = threading.local()

    def client() -> Client:
        if not hasattr(local, "client"):
            local.client = Client(port=port)
        return local.client

    form_tokens: dict[str, str] = {}
    if mix["opinion"]:
        # A form token per site, as each site's opinion form fetches one when it is shown; the load begins
        # only once they are older than the server's minimum fill time (set to 1 s by `cms loadtest`).
        for site in sites:
            form_tokens[site.slug] = client().graphql(site.slug, FORM_TOKEN_QUERY, fresh=True)["opinionFormToken"]
    tokens_fetched = time.monotonic()
    warm = []
    for site in sites:
        warm += [lambda s=site: client().graphql(s.slug, _page_query(), fresh=False)] * 2
        warm += [lambda s=site: client().graphql(s.slug, _page_query(), fresh=True)] * 2
        if mix["publish"]:
            warm.append(editors[site.slug].login)
    warm += [lambda: client().graphql(None, FEED_QUERY, fresh=False, get=True)] * 4
    hits: dict[str, int] = {}

    def search_warm(word: str):
        data = client().graphql(None, SEARCH_QUERY, variables={"q": word}, fresh=True, get=True)
        hits[word] = data["search"]["totalCount"]

    warm += [lambda w=word: search_warm(w) for word in SEARCH_WORDS] * 2
    with ThreadPoolExecutor(max_workers=max(1, min(connections, 8))) as pool:
        for future in [pool.submit(task) for task in warm]:
            future.result()  # a failure here stops the command: the server is not ready to be measured
    time.sleep(max(0.0, tokens_fetched + MIN_FILL_SECONDS + 0.5 - time.monotonic()))
    warmup_seconds = time.monotonic() - started
    memory_start = memory(gunicorn_pid=gunicorn_pid, pgdata=pgdata)

    weights = [
        ("pages cached", mix["cached"]),
        ("pages executed", mix["executed"]),
        ("feed", mix["feed"]),
        ("search", mix["search"]),
        ("publish", mix["publish"]),
        ("opinion", mix["opinion"]),
    ]
    names, cumulative = [n for n, w in weights if w > 0], []
    total = 0.0
    for _, w in ((n, w) for n, w in weights if w > 0):
        total += w
        cumulative.append(total)
    samples: list[Sample] = []
    acknowledged: list[Publish] = []
    submitted: list[Submission] = []
    lock = threading.Lock()
    issued = 0
    submission_numbers = itertools.count(1)
    progress(
        f"Load: {connections} connections for {seconds:g} s"
        + (f" or {max_requests} requests" if max_requests else "")
        + "..."
    )
    begin = time.monotonic()
    deadline = begin + seconds

    def worker(number: int):
        nonlocal issued
        rng = random.Random(seed * 1000 + number)
        me = Client(port=port)
        published = 0
        while time.monotonic() < deadline:
            with lock:
                if max_requests is not None and issued >= max_requests:
                    return
                issued += 1
            endpoint = names[_pick(rng.random() * total, cumulative)]
            site = rng.choice(sites)
            error = None
            me.last_cache = None
            start = time.perf_counter()
            try:
                if endpoint == "pages cached":
                    me.graphql(site.slug, _page_query(), fresh=False)
                elif endpoint == "pages executed":
                    me.graphql(site.slug, _page_query(), fresh=True)
                elif endpoint == "feed":
                    me.graphql(None, FEED_QUERY, fresh=False, get=True)
                elif endpoint == "search":
                    me.graphql(None, SEARCH_QUERY, variables={"q": rng.choice(SEARCH_WORDS)}, fresh=True, get=True)
                elif endpoint == "opinion":
                    code = submit_opinion(me, site, form_tokens[site.slug], next(submission_numbers))
                    with lock:
                        submitted.append(Submission(slug=site.slug, code=code))
                else:
                    published += 1
                    editor = editors[site.slug]
                    word = rng.choice(SEARCH_WORDS)
                    page_slug = f"load-t{number}-{published}"
                    with editor.lock:
                        start = time.perf_counter()  # waiting for the site's editor is not the server's time
                        if not editor.logged_in:
                            editor.login()
                        editor.publish(page_slug, f"编辑发布：{word}工作动态（{number}-{published}）", word)
                    with lock:
                        acknowledged.append(Publish(slug=site.slug, page_slug=page_slug))
            except RequestFailed as failure:
                error = str(failure)
            except Exception as failure:  # connection refused or reset, timeout: the kind is the exception's name
                error = type(failure).__name__
            ms = (time.perf_counter() - start) * 1000
            with lock:
                samples.append(Sample(endpoint=endpoint, ms=ms, error=error, cache=me.last_cache))

    load_threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(connections)]
    for load_thread in load_threads:
        load_thread.start()
    for load_thread in load_threads:
        load_thread.join(seconds + TIMEOUT * 3)
    elapsed = time.monotonic() - begin
    memory_end = memory(gunicorn_pid=gunicorn_pid, pgdata=pgdata)

    progress(f"Checking that the {len(acknowledged)} acknowledged publishes are in their sites' pages lists...")
    lost = verify_publishes(port=port, acknowledged=acknowledged)
    if submitted:
        progress(f"Checking that the {len(submitted)} acknowledged opinions are stored, each once...")
    submissions_lost = verify_submissions(submitted)
    return Result(
        sites=len(sites),
        articles=articles,
        connections=connections,
        seconds=seconds,
        elapsed=elapsed,
        max_requests=max_requests,
        workers=workers,
        threads=threads,
        stock_worker=stock_worker,
        mix=mix,
        samples=samples,
        acknowledged=acknowledged,
        lost=lost,
        submitted=submitted,
        submissions_lost=submissions_lost,
        memory_start=memory_start,
        memory_end=memory_end,
        warmup_seconds=warmup_seconds,
        search_hits=hits,
    )


def submit_opinion(client: Client, site: LoadSite, form_token: str, number: int) -> str:
    """One opinion through the site's mailbox, from an address and contact of its own; returns its code."""
    address = f"10.{number >> 16 & 255}.{number >> 8 & 255}.{number & 255}"
    data = client.graphql(
        site.slug,
        SUBMIT_QUERY,
        variables={
            "input": {
                "formToken": form_token,
                "content": f"压测意见第{number}条：建议多组织文艺志愿服务进社区，丰富群众文化生活。",
                "name": f"压测{number}",
                "contact": f"138{number:08d}",
                "category": OPINION_CATEGORIES[number % len(OPINION_CATEGORIES)],
            }
        },
        fresh=True,
        headers={CLIENT_IP_HEADER: address},
    )
    answer = data.get("submitOpinion") or {}
    if not answer.get("code"):
        raise RequestFailed("submission not acknowledged (no code)")
    return answer["code"]


def verify_submissions(submitted: list[Submission]) -> list[Submission]:
    """The acknowledged opinions not stored exactly once in their site's schema (looked up by their code)."""
    from django.db.models import Count
    from django_tenants.utils import schema_context

    from cms.feedback import codes
    from cms.feedback.models import Opinion
    from sites.models import Association

    by_site: dict[str, list[Submission]] = defaultdict(list)
    for submission in submitted:
        by_site[submission.slug].append(submission)
    lost = []
    for slug, mine in by_site.items():
        hashes = {codes.code_hash(s.code): s for s in mine}
        with schema_context(Association.objects.get(slug=slug).schema_name):
            stored = dict(
                Opinion.objects.filter(code_hash__in=list(hashes))
                .values("code_hash")
                .annotate(n=Count("id"))
                .values_list("code_hash", "n")
            )
        lost += [s for h, s in hashes.items() if stored.get(h, 0) != 1]
    return lost


def _page_query() -> str:
    from cms.api.examples import TYPICAL_PAGE_QUERY

    return TYPICAL_PAGE_QUERY


def _pick(value: float, cumulative: list[float]) -> int:
    for index, bound in enumerate(cumulative):
        if value < bound:
            return index
    return len(cumulative) - 1


def verify_publishes(*, port: int, acknowledged: list[Publish]) -> list[Publish]:
    """The acknowledged publishes missing from their site's GraphQL `pages` list (executed, not cached)."""
    client = Client(port=port)
    by_site: dict[str, set[str]] = defaultdict(set)
    for publish in acknowledged:
        by_site[publish.slug].add(publish.page_slug)
    lost = []
    for slug, wanted in by_site.items():
        seen: set[str] = set()
        offset = 0
        while True:
            page = client.graphql(slug, PAGES_QUERY % offset, fresh=True)["pages"]
            seen |= {item["slug"] for item in page}
            if len(page) < 100:
                break
            offset += 100
        lost += [Publish(slug=slug, page_slug=s) for s in sorted(wanted - seen)]
    return lost


# --- Report ----------------------------------------------------------------------------------------------------


def percentile(values: list[float], percent: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * percent / 100) - 1)]


def figures(result: Result) -> dict:
    """The key figures, as `--json` writes them and `cms bench` reads them."""

    def row(mine: list[Sample]) -> dict:
        latencies = [s.ms for s in mine]
        return {
            "requests": len(mine),
            "errors": sum(1 for s in mine if s.error),
            "throughput": len(mine) / result.elapsed if result.elapsed else 0.0,
            "p50_ms": percentile(latencies, 50),
            "p95_ms": percentile(latencies, 95),
            "p99_ms": percentile(latencies, 99),
        }

    rows = {}
    for endpoint in ENDPOINTS:
        mine = [s for s in result.samples if s.endpoint == endpoint]
        rows[endpoint] = row(mine)
        if endpoint in CACHED_ENDPOINTS:
            rows[f"{endpoint}: {FROM_CACHE}"] = row([s for s in mine if s.cache == "HIT"])
            rows[f"{endpoint}: {EXECUTED}"] = row([s for s in mine if s.cache == "MISS"])
    growth = {
        str(pid): _growth(result.memory_start.workers[pid], result.memory_end.workers[pid])
        for pid in result.memory_start.workers
        if pid in result.memory_end.workers
    }
    all_ms = [s.ms for s in result.samples]
    return {
        "sites": result.sites,
        "connections": result.connections,
        "seconds": result.elapsed,
        "workers": result.workers,
        "threads": result.threads,
        "worker": "gunicorn gthread (stock)" if result.stock_worker else "cms.webserver.LaneThreadWorker",
        "endpoints": rows,
        "requests": len(result.samples),
        "errors": sum(1 for s in result.samples if s.error),
        "throughput": len(result.samples) / result.elapsed if result.elapsed else 0.0,
        "p99_ms": percentile(all_ms, 99),
        "errors_by_kind": dict(Counter(s.error for s in result.samples if s.error)),
        "publishes_acknowledged": len(result.acknowledged),
        "publishes_lost": len(result.lost),
        "opinions_acknowledged": len(result.submitted),
        "opinions_lost": len(result.submissions_lost),
        "worker_rss_growth_pct": growth,
        "max_worker_rss_growth_pct": max(growth.values()) if growth else None,
        "workers_replaced": sorted(set(result.memory_start.workers) ^ set(result.memory_end.workers)),
        "postgres_rss_growth_pct": _growth(result.memory_start.postgres, result.memory_end.postgres),
        "cpu_seconds": {
            "web": _cpu_used(result.memory_start.cpu_web, result.memory_end.cpu_web),
            "postgres": _cpu_used(result.memory_start.cpu_postgres, result.memory_end.cpu_postgres),
            "client": _cpu_used(result.memory_start.cpu_client, result.memory_end.cpu_client),
        },
    }


def _cpu_used(start: dict[int, float], end: dict[int, float]) -> float:
    """CPU seconds used in between by the processes alive at the end (those started in between: all of theirs;
    those that ended in between: counted in their parent's)."""
    return sum(seconds - start.get(pid, 0.0) for pid, seconds in end.items())


def _growth(start: int, end: int) -> float:
    return (end - start) / start * 100 if start else 0.0


def report(result: Result) -> str:
    data = figures(result)
    mix = ", ".join(f"{k}={v:g}" for k, v in result.mix.items())
    cap = f", at most {result.max_requests} requests" if result.max_requests else ""
    lines = [
        "Load test: the real server (gunicorn, production settings) over real HTTP on 127.0.0.1.",
        (
            f"Sites: {result.sites} (blank theme; {result.articles} published articles each, every one with its own cover,"
            f" inline image, gallery, document and table); central office on localhost."
        ),
        (
            f"Server: {result.workers} gunicorn workers, {result.threads} thread(s) each"
            + (
                ", gunicorn's stock gthread worker (first come, first served)"
                if result.stock_worker
                else ", our worker (quick requests first, cms/webserver.py)"
            )
            + "; CMS_REQUIRE_2FA=0,"
            " so the editors' admin logins need no"
            " second factor."
        ),
        (
            f"Client: {result.connections} connections for {result.seconds:g} s{cap} (ran {result.elapsed:.1f} s, after a"
            f" {result.warmup_seconds:.1f} s warm-up). Mix: {mix}."
        ),
        (
            "pages: the typical front-page query on a random site, through the answer cache ('cached') or"
            " with Cache-Control: no-cache ('executed'); feed: networkFeed(first: 20) on the central host, answer cache"
            " on; each answer's X-Cache says whether the cache gave it or it was executed (the content changed since),"
            " and each kind has its own row and target; search: national search for a word the content holds,"
            " executed; publish: an editor publishes an article through the admin's add-page form (form GET + POST);"
            " opinion: a submitOpinion through a site's mailbox, each from its own address and contact."
        ),
        "",
    ]
    header = f"{'endpoint':16}{'requests':>9}{'errors':>8}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}   target"
    lines += [header, "-" * (len(header) + 14)]
    lost_by_endpoint = {"publish": result.lost, "opinion": result.submissions_lost}
    for endpoint in ENDPOINTS:
        row = data["endpoints"][endpoint]
        if not row["requests"]:
            lines.append(f"{endpoint:16}{0:>9}{'':>8}{'':>9}{'-':>9}{'-':>9}{'-':>9}   (not in the mix)")
            continue
        names = [endpoint]
        if endpoint in CACHED_ENDPOINTS:
            names += [f"{endpoint}: {FROM_CACHE}", f"{endpoint}: {EXECUTED}"]
        for name in names:
            row = data["endpoints"][name]
            target = TARGET_P99_MS.get(name)
            if name in lost_by_endpoint:
                verdict = "0 errors, 0 lost" + (
                    "  met" if row["errors"] == 0 and not lost_by_endpoint[name] else "  NOT met"
                )
            elif target is not None:
                verdict = f"0 errors, p99 < {target:.0f} ms"
                verdict += "  met" if row["errors"] == 0 and not row["p99_ms"] >= target else "  NOT met"
            else:
                verdict = "0 errors" + ("  met" if row["errors"] == 0 else "  NOT met") + "; by the cache's answer:"
            label = name if name == endpoint else "  " + name.split(": ", 1)[1]
            lines.append(
                f"{label:16}{row['requests']:>9}{row['errors']:>8}{row['throughput']:>9.1f}"
                f"{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}{row['p99_ms']:>9.1f}   {verdict}"
            )
    lines.append(
        f"{'all':16}{data['requests']:>9}{data['errors']:>8}{data['throughput']:>9.1f}"
        f"{percentile([s.ms for s in result.samples], 50):>9.1f}"
        f"{percentile([s.ms for s in result.samples], 95):>9.1f}{data['p99_ms']:>9.1f}"
    )
    lines.append("")
    if data["errors_by_kind"]:
        lines.append(
            "Errors by kind: "
            + "; ".join(f"{kind}: {n}" for kind, n in sorted(data["errors_by_kind"].items(), key=lambda x: -x[1]))
        )
    else:
        lines.append("Errors by kind: none (target: 0).")
    lines.append(
        f"Publishes: {len(result.acknowledged)} acknowledged; {len(result.acknowledged) - len(result.lost)}"
        f" of them in their site's GraphQL pages list afterwards; lost: {len(result.lost)} (target 0)"
        + (" -- " + ", ".join(f"{p.slug}/{p.page_slug}" for p in result.lost[:5]) if result.lost else "")
        + "."
    )
    if result.submitted or result.submissions_lost:
        lines.append(
            f"Opinions: {len(result.submitted)} acknowledged with a code; "
            f"{len(result.submitted) - len(result.submissions_lost)} of them stored exactly once in their site;"
            f" lost or doubled: {len(result.submissions_lost)} (target 0)."
        )
    if result.search_hits:
        lines.append(
            "Search words and their national hits at warm-up: "
            + ", ".join(f"{w} {n}" for w, n in result.search_hits.items())
            + "."
        )
    lines += ["", f"{'memory (RSS)':28}{'start MiB':>10}{'end MiB':>10}{'growth':>9}   target"]
    start, end = result.memory_start, result.memory_end
    for pid, rss in start.workers.items():
        if pid in end.workers:
            growth = _growth(rss, end.workers[pid])
            verdict = f"< {TARGET_RSS_GROWTH:.0f} %  " + ("met" if growth < TARGET_RSS_GROWTH else "NOT met")
            lines.append(
                f"{'gunicorn worker ' + str(pid):28}{rss / 2**20:>10.1f}{end.workers[pid] / 2**20:>10.1f}"
                f"{growth:>8.1f}%   {verdict}"
            )
        else:
            lines.append(
                f"{'gunicorn worker ' + str(pid):28}{rss / 2**20:>10.1f}{'gone':>10}{'':>9}   replaced: NOT met"
            )
    for pid in end.workers:
        if pid not in start.workers:
            lines.append(f"{'gunicorn worker ' + str(pid):28}{'new':>10}{end.workers[pid] / 2**20:>10.1f}")
    lines.append(
        f"{'PostgreSQL (' + str(end.postgres_processes) + ' processes)':28}{start.postgres / 2**20:>10.1f}"
        f"{end.postgres / 2**20:>10.1f}{data['postgres_rss_growth_pct']:>8.1f}%   (shared buffers counted"
        " in each process that touched them)"
    )
    cpu_seconds = data["cpu_seconds"]
    lines.append(
        f"CPU over the load ({result.elapsed:.1f} s on {os.cpu_count()} cores): "
        + ", ".join(
            f"{name} {seconds:.1f} s ({seconds / result.elapsed:.2f} cores)" for name, seconds in cpu_seconds.items()
        )
        + (
            f"; {sum(cpu_seconds.values()) / len(result.samples) * 1000:.1f} ms of CPU a request in all."
            if result.samples
            else "."
        )
    )
    met = (
        data["errors"] == 0
        and not result.lost
        and not result.submissions_lost
        and not data["workers_replaced"]
        and all(
            data["endpoints"][e]["p99_ms"] < t for e, t in TARGET_P99_MS.items() if data["endpoints"][e]["requests"]
        )
        and (data["max_worker_rss_growth_pct"] or 0) < TARGET_RSS_GROWTH
    )
    lines += [
        "",
        (
            f"Targets (DESIGN.md 6): 0 errors, 0 lost publishes or opinions, p99 < 100 ms from the cache and"
            " < 400 ms executed,"
            f" worker RSS growth < {TARGET_RSS_GROWTH:.0f} %: {'all met' if met else 'NOT all met'}."
        ),
    ]
    return "\n".join(lines)
