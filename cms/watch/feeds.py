"""Fetching and parsing RSS/Atom feeds, defensively.

- connect and read timeouts, and a limit on the whole download (a server trickling bytes is cut off);
- a size cap, checked against Content-Length and again while reading;
- conditional GET (If-None-Match / If-Modified-Since): a 304 is "nothing new", not an error;
- at most CMS_WATCH_MAX_REDIRECTS redirects (a loop is reported as one);
- XML parsed with defusedxml: no DTDs, no entities, no external references (billion laughs, XXE).

Every failure is a FeedError with a message in Chinese for the office, stored on the source.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from xml.etree.ElementTree import Element, ParseError  # noqa: S405 - types only; parsing is defusedxml's

import requests
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.conf import settings

USER_AGENT = "federation-cms-watch/1.0"
MAX_ITEMS = 500  # per fetch: a feed is a list of the latest items, not an archive
MAX_TEXT = 20_000


class FeedError(Exception):
    """Why a feed could not be read (Chinese, for the office)."""


@dataclass
class FeedItem:
    external_id: str
    title: str
    url: str
    text: str
    published_at: datetime | None


@dataclass
class FetchResult:
    not_modified: bool = False
    items: list[FeedItem] = field(default_factory=list)
    etag: str = ""
    last_modified: str = ""


def _limits() -> dict:
    return {
        "connect": settings.CMS_WATCH_CONNECT_TIMEOUT,
        "read": settings.CMS_WATCH_READ_TIMEOUT,
        "total": settings.CMS_WATCH_TOTAL_TIMEOUT,
        "size": settings.CMS_WATCH_MAX_BYTES,
        "redirects": settings.CMS_WATCH_MAX_REDIRECTS,
    }


def fetch(url: str, *, etag: str = "", last_modified: str = "") -> FetchResult:
    limits = _limits()
    headers = {"User-Agent": USER_AGENT, "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    session = requests.Session()
    session.max_redirects = limits["redirects"]
    session.trust_env = False  # no proxies from the environment: feeds are fetched directly
    started = time.monotonic()
    try:
        with session.get(
            url, headers=headers, timeout=(limits["connect"], limits["read"]), stream=True, allow_redirects=True
        ) as response:
            if response.status_code == 304:
                return FetchResult(not_modified=True, etag=etag, last_modified=last_modified)
            if response.status_code != 200:
                raise FeedError(f"服务器返回HTTP {response.status_code}，未获取到订阅内容")
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limits["size"]:
                raise FeedError(f"订阅内容过大：{int(declared):,}字节，上限为{limits['size']:,}字节，未导入")
            body = bytearray()
            for chunk in response.iter_content(chunk_size=65536):
                body.extend(chunk)
                if len(body) > limits["size"]:
                    raise FeedError(f"订阅内容过大：超过上限{limits['size']:,}字节，已停止下载，未导入")
                if time.monotonic() - started > limits["total"]:
                    raise FeedError(f"下载超时：{limits['total']}秒内未下载完，未导入")
            new_etag = response.headers.get("ETag", "")
            new_last_modified = response.headers.get("Last-Modified", "")
    except requests.TooManyRedirects:
        raise FeedError(f"重定向超过{limits['redirects']}次（可能是循环重定向），未获取到订阅内容") from None
    except requests.ConnectTimeout:
        raise FeedError(f"连接超时：{limits['connect']}秒内未能连接到服务器") from None
    except requests.ReadTimeout:
        raise FeedError(f"读取超时：服务器{limits['read']}秒内没有响应") from None
    except requests.ConnectionError as error:
        raise FeedError(f"无法连接到服务器：{_reason(error)}") from None
    except requests.RequestException as error:
        raise FeedError(f"请求失败：{_reason(error)}") from None
    finally:
        session.close()
    return FetchResult(items=parse(bytes(body)), etag=new_etag[:500], last_modified=new_last_modified[:100])


def _reason(error: Exception) -> str:
    return str(error)[:300] or type(error).__name__


# --- Parsing ---

ATOM = "{http://www.w3.org/2005/Atom}"
RSS1 = "{http://purl.org/rss/1.0/}"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
DC = "{http://purl.org/dc/elements/1.1/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"


def parse(body: bytes) -> list[FeedItem]:
    """The items of an RSS 2.0, RSS 1.0 (RDF) or Atom document; FeedError for anything else."""
    if not body.strip():
        raise FeedError("订阅内容为空，未导入")
    try:
        root = fromstring(body, forbid_dtd=True)
    except DefusedXmlException:
        raise FeedError("订阅内容含有DTD或实体声明，出于安全考虑已拒绝，未导入") from None
    except ParseError as error:
        line, column = getattr(error, "position", (0, 0))
        raise FeedError(f"订阅内容不是有效的XML（第{line}行第{column + 1}列），未导入") from None
    tag = root.tag
    if tag == "rss":
        channel = root.find("channel")
        items = channel.findall("item") if channel is not None else []
        parsed = [_rss_item(item, "") for item in items[:MAX_ITEMS]]
    elif tag == f"{RDF}RDF":
        parsed = [_rss_item(item, RSS1) for item in root.findall(f"{RSS1}item")[:MAX_ITEMS]]
    elif tag == f"{ATOM}feed":
        parsed = [_atom_entry(entry) for entry in root.findall(f"{ATOM}entry")[:MAX_ITEMS]]
    else:
        name = tag.split("}")[-1]
        raise FeedError(f"不是RSS或Atom订阅源（根元素为<{name}>），未导入")
    return [item for item in parsed if item.external_id]


def _text(element: Element | None) -> str:
    if element is None:
        return ""
    return "".join(element.itertext()).strip()


def _plain(markup: str) -> str:
    from django.utils.html import strip_tags

    return strip_tags(markup)[:MAX_TEXT]


def _rss_item(item: Element, ns: str) -> FeedItem:
    title = _text(item.find(f"{ns}title"))
    link = _text(item.find(f"{ns}link"))
    text = _text(item.find(f"{CONTENT}encoded")) or _text(item.find(f"{ns}description"))
    guid = _text(item.find("guid")) or item.get(f"{RDF}about", "") or link or title
    published = _rfc822(_text(item.find("pubDate"))) or _iso(_text(item.find(f"{DC}date")))
    return FeedItem(
        external_id=guid[:500], title=title[:500], url=link[:1000], text=_plain(text), published_at=published
    )


def _atom_entry(entry: Element) -> FeedItem:
    title = _text(entry.find(f"{ATOM}title"))
    link = ""
    for candidate in entry.findall(f"{ATOM}link"):
        if candidate.get("rel", "alternate") == "alternate":
            link = candidate.get("href", "")
            break
    text = _text(entry.find(f"{ATOM}content")) or _text(entry.find(f"{ATOM}summary"))
    external_id = _text(entry.find(f"{ATOM}id")) or link or title
    published = _iso(_text(entry.find(f"{ATOM}published"))) or _iso(_text(entry.find(f"{ATOM}updated")))
    return FeedItem(
        external_id=external_id[:500], title=title[:500], url=link[:1000], text=_plain(text), published_at=published
    )


def _rfc822(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _iso(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
