"""Link checking: every link and image in a site's published content, and what became of it.

Runs as a background job in the schema of the site it checks (jobs.check_links). Internal targets
(pages, images, documents, paths on the site's own hosts) are resolved in the database and the media
storage, without HTTP. External addresses are requested with bounded concurrency, at most
PER_HOST requests at a time to one host with a pause between them, timeouts, and conditional requests
(the ETag and Last-Modified seen last time). A redirect to another registrable domain (an expired
domain taken over by someone else) is flagged. Registrable domains come from tldextract's bundled
public suffix list: it is never fetched.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests
import tldextract
from django.conf import settings
from django.db import connection
from django.utils import timezone

from sites.models import Domain

from .models import LinkCheckRun, LinkStatus
from .scoring import compute_health

log = logging.getLogger(__name__)

EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)  # the bundled snapshot, offline
HREF = re.compile(r"<a\s[^>]*?href=\"([^\"]+)\"", re.IGNORECASE)
TAG = re.compile(r"<(a|embed)\s([^>]*)>", re.IGNORECASE)
ATTRIBUTE = re.compile(r"(\w+)=\"([^\"]*)\"")
MAX_PAGES_PER_LINK = 20
USER_AGENT = "CFLAC-CMS-LinkChecker/1.0 (+central office oversight)"


def _setting(name: str, default):
    return getattr(settings, name, default)


@dataclass
class FoundLink:
    url: str
    kind: str
    is_image: bool = False
    page_ids: list[int] = field(default_factory=list)
    page_title: str = ""


def registrable_domain(host: str) -> str:
    """example.com for www.example.com, example.gov.cn for a.b.example.gov.cn; the host itself for IPs."""
    host = (host or "").lower()
    return EXTRACT(host).top_domain_under_public_suffix or host


# --- Finding links in published content (in the site's schema) ---


def _walk(value, found: list[tuple[str, str, bool]]) -> None:
    """Collect (kind, target, is_image) from StreamField raw data or a rich text string."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key in ("image", "document", "page") and isinstance(item, int):
                found.append(("internal", f"{key}:{item}", key == "image"))
            else:
                _walk(item, found)
    elif isinstance(value, Sequence) and not isinstance(value, str):  # lists, and StreamField's RawDataView
        for item in value:
            _walk(item, found)
    elif isinstance(value, str):
        if "<" in value:
            for tag, attributes in TAG.findall(value):
                attrs = dict(ATTRIBUTE.findall(attributes))
                linktype = attrs.get("linktype") or attrs.get("embedtype")
                if linktype in ("page", "document", "image") and attrs.get("id", "").isdigit():
                    found.append(("internal", f"{linktype}:{attrs['id']}", linktype == "image"))
                elif tag.lower() == "a" and attrs.get("href"):
                    found.append(_classify(attrs["href"]))
        elif value.startswith(("http://", "https://")) and " " not in value:
            found.append(("external", value, False))


def _classify(href: str) -> tuple[str, str, bool]:
    if href.startswith(("http://", "https://")):
        return ("external", href, False)
    return ("internal", href, False)


def collect_links() -> list[FoundLink]:
    """Every link and image of the live, public pages of the current schema's site."""
    from wagtail.fields import StreamField
    from wagtail.models import Page

    links: dict[str, FoundLink] = {}
    for page in Page.objects.live().public().specific().iterator(chunk_size=200):
        found: list[tuple[str, str, bool]] = []
        for model_field in page._meta.concrete_fields:
            if isinstance(model_field, StreamField):
                _walk(getattr(page, model_field.name).raw_data, found)
            elif model_field.name == "cover" and getattr(page, "cover_id", None):
                found.append(("internal", f"image:{page.cover_id}", True))
            elif model_field.name in ("intro", "registration_url") and isinstance(getattr(page, model_field.name), str):
                _walk(getattr(page, model_field.name), found)
        for kind, target, is_image in found:
            if target.startswith(("mailto:", "tel:", "#", "javascript:")):
                continue
            link = links.setdefault(target, FoundLink(url=target[:2000], kind=kind, is_image=is_image))
            if page.pk not in link.page_ids and len(link.page_ids) < MAX_PAGES_PER_LINK:
                link.page_ids.append(page.pk)
                link.page_title = link.page_title or page.title
    return list(links.values())


# --- Internal targets: the database and the media storage, no HTTP ---


REFERENCE = re.compile(r"^(page|image|document):(\d+)$")


def _check_internal(links: list[LinkStatus]) -> None:
    from django.core.files.storage import default_storage
    from wagtail.models import Page, Site

    from cms.media.models import SiteDocument, SiteImage

    ids = defaultdict(set)
    for link in links:
        kind, _, number = link.url.partition(":")
        if kind in ("page", "image", "document") and number.isdigit():
            ids[kind].add(int(number))
    live = set(Page.objects.live().filter(pk__in=ids["page"]).values_list("pk", flat=True))
    images = dict(SiteImage.objects.filter(pk__in=ids["image"]).values_list("pk", "file"))
    documents = dict(SiteDocument.objects.filter(pk__in=ids["document"]).values_list("pk", "file"))
    root = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    paths = [urlsplit(link.url).path or "/" for link in links if not REFERENCE.match(link.url)]
    known_paths = set()
    if root and paths:
        prefix = root.root_page.url_path.rstrip("/")
        wanted = [prefix + (p if p.endswith("/") else p + "/") for p in paths]
        known_paths = {
            path[len(prefix) :]
            for path in Page.objects.live().filter(url_path__in=wanted).values_list("url_path", flat=True)
        }
    for link in links:
        kind, _, number = link.url.partition(":")
        if kind == "page" and number.isdigit():
            ok, detail = int(number) in live, "页面不存在或未发布"
        elif kind in ("image", "document") and number.isdigit():
            files = images if kind == "image" else documents
            name = files.get(int(number))
            ok = bool(name) and default_storage.exists(name)
            detail = "图片或附件已删除" if not name else "文件缺失"
        else:
            path = urlsplit(link.url).path or "/"
            if path.startswith(("/media/", "/documents/")):
                ok, detail = True, ""
            else:
                ok, detail = (path if path.endswith("/") else path + "/") in known_paths, "站内地址不存在"
        link.state = LinkStatus.State.OK if ok else LinkStatus.State.BROKEN
        link.detail = "" if ok else detail
        link.http_status = None
        link.checked_at = timezone.now()


# --- External addresses: HTTP, politely ---


class HostGate:
    """At most `per_host` requests at a time to one host, and `interval` seconds between starts."""

    def __init__(self, per_host: int, interval: float):
        self.per_host, self.interval = per_host, interval
        self._lock = threading.Lock()
        self._slots: dict[str, threading.Semaphore] = {}
        self._next: dict[str, float] = defaultdict(float)

    def enter(self, host: str) -> threading.Semaphore:
        with self._lock:
            slot = self._slots.setdefault(host, threading.Semaphore(self.per_host))
        slot.acquire()
        with self._lock:
            wait = self._next[host] - time.monotonic()
            self._next[host] = max(self._next[host], time.monotonic()) + self.interval
        if wait > 0:
            time.sleep(wait)
        return slot


_local = threading.local()


def _session() -> requests.Session:
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
        session.trust_env = False  # no proxies from the environment: intranets, and tests use local servers
        session.headers["User-Agent"] = USER_AGENT
    return session


def check_external(link: LinkStatus, gate: HostGate, timeout: float) -> LinkStatus:
    host = (urlsplit(link.url).hostname or "").lower()
    headers = {}
    if link.etag:
        headers["If-None-Match"] = link.etag
    if link.last_modified:
        headers["If-Modified-Since"] = link.last_modified
    slot = gate.enter(host)
    try:
        response = _session().head(link.url, headers=headers, timeout=timeout, allow_redirects=True)
        if response.status_code in (405, 501):
            response = _session().get(link.url, headers=headers, timeout=timeout, allow_redirects=True, stream=True)
            response.close()
    except requests.Timeout:
        link.state, link.http_status, link.detail = LinkStatus.State.TIMEOUT, None, f"{timeout:g} 秒内无响应"
        return _stamp(link)
    except requests.RequestException as error:
        link.state, link.http_status, link.detail = LinkStatus.State.BROKEN, None, f"无法连接：{type(error).__name__}"
        return _stamp(link)
    finally:
        slot.release()
    link.http_status = response.status_code
    final = response.url
    if response.status_code == 304:
        link.state, link.detail = LinkStatus.State.OK, "未变化"
        return _stamp(link)
    if response.status_code >= 400:
        link.state, link.detail = LinkStatus.State.BROKEN, f"HTTP {response.status_code}"
        return _stamp(link)
    link.etag = response.headers.get("ETag", "")[:200]
    link.last_modified = response.headers.get("Last-Modified", "")[:100]
    link.final_url = final[:2000] if response.history else ""
    if response.history:
        before, after = registrable_domain(host), registrable_domain(urlsplit(final).hostname or "")
        if before != after:
            link.state, link.detail = LinkStatus.State.OFFSITE, f"跳转到其他域名：{after}"
        else:
            link.state, link.detail = LinkStatus.State.REDIRECTED, ""
    else:
        link.state, link.detail = LinkStatus.State.OK, ""
    return _stamp(link)


def _stamp(link: LinkStatus) -> LinkStatus:
    link.checked_at = timezone.now()
    return link


# --- The run ---

SAVED_FIELDS = ["state", "http_status", "final_url", "detail", "etag", "last_modified", "checked_at"]


def _batches(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def check_many(rows: list[LinkStatus], *, batch: int = 200) -> Iterator[list[LinkStatus]]:
    """Check external links concurrently (CMS_LINK_CHECK_CONCURRENCY threads, HostGate politeness),
    yielding them checked a batch at a time (the caller saves each batch: progress survives a crash)."""
    gate = HostGate(_setting("CMS_LINK_CHECK_PER_HOST", 2), _setting("CMS_LINK_CHECK_HOST_INTERVAL", 0.1))
    timeout = _setting("CMS_LINK_CHECK_TIMEOUT", 5.0)
    with ThreadPoolExecutor(max_workers=_setting("CMS_LINK_CHECK_CONCURRENCY", 16)) as pool:
        for chunk in _batches(rows, batch):
            futures = [pool.submit(check_external, row, gate, timeout) for row in chunk]
            yield [future.result() for future in as_completed(futures)]


def run_check(*, run_id: int) -> dict:
    """Check one site's links (in its schema). Safe to run again: links already checked in this run
    (a run taken back from a dead worker) are not requested twice."""
    run = LinkCheckRun.objects.select_related("site").get(pk=run_id)
    site = run.site
    if connection.schema_name != site.schema_name:
        raise RuntimeError(f"link check of {site.slug} must run in its schema, not {connection.schema_name}")
    if run.started_at is None:
        run.started_at = timezone.now()
    run.status = LinkCheckRun.Status.RUNNING
    run.save(update_fields=["status", "started_at"])
    found = collect_links()
    existing = {row.url: row for row in LinkStatus.objects.filter(site=site)}
    own_hosts = set(Domain.objects.filter(tenant=site).values_list("domain", flat=True))
    rows = []
    for link in found:
        if link.kind == LinkStatus.Kind.EXTERNAL and (urlsplit(link.url).hostname or "").lower() in own_hosts:
            link.kind = LinkStatus.Kind.INTERNAL  # an absolute address on the site's own host
        row = existing.pop(link.url, None) or LinkStatus(site=site, url=link.url)
        row.kind, row.is_image, row.page_ids, row.page_title = link.kind, link.is_image, link.page_ids, link.page_title
        rows.append(row)
    if existing:
        LinkStatus.objects.filter(site=site, url__in=list(existing)).delete()
    LinkStatus.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["site", "url"],
        update_fields=["kind", "is_image", "page_ids", "page_title"],
    )
    rows = list(LinkStatus.objects.filter(site=site))
    run.total = len(rows)
    internal = [row for row in rows if row.kind == LinkStatus.Kind.INTERNAL]
    _check_internal(internal)
    LinkStatus.objects.bulk_update(internal, SAVED_FIELDS, batch_size=500)
    pending = [
        row
        for row in rows
        if row.kind == LinkStatus.Kind.EXTERNAL and not (row.checked_at and row.checked_at >= run.started_at)
    ]
    run.done = len(rows) - len(pending)
    run.save(update_fields=["total", "done"])
    for checked in check_many(pending):
        LinkStatus.objects.bulk_update(checked, SAVED_FIELDS, batch_size=500)
        run.done += len(checked)
        LinkCheckRun.objects.filter(pk=run.pk).update(done=run.done)
    run.problems = LinkStatus.objects.filter(site=site, state__in=LinkStatus.PROBLEMS).count()
    run.status, run.finished_at = LinkCheckRun.Status.DONE, timezone.now()
    run.save(update_fields=["problems", "status", "finished_at"])
    compute_health(site_ids=[site.pk])
    return {"total": run.total, "problems": run.problems}
