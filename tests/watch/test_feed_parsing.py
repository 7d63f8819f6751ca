"""Parsing RSS 2.0, RSS 1.0 (RDF) and Atom safely (no database, no network)."""

from datetime import UTC, datetime

import pytest

from cms.watch.feeds import FeedError, parse


def test_rss2_items_with_html_descriptions_and_dates():
    body = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>c</title>
      <item><title>标题一</title><link>http://a.test/1</link><guid>g1</guid>
        <description>&lt;p&gt;文联&lt;b&gt;抄袭&lt;/b&gt;&lt;/p&gt;</description>
        <pubDate>Tue, 01 Dec 2026 08:00:00 +0800</pubDate></item>
      <item><title>无guid</title><link>http://a.test/2</link><description><![CDATA[<i>正文</i>]]></description></item>
    </channel></rss>""".encode()
    first, second = parse(body)
    assert (first.external_id, first.title, first.url, first.text) == ("g1", "标题一", "http://a.test/1", "文联抄袭")
    assert first.published_at == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    assert (second.external_id, second.text, second.published_at) == ("http://a.test/2", "正文", None)


def test_atom_entries():
    body = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>f</title>
      <entry><id>urn:1</id><title>Atom \xe6\xa0\x87\xe9\xa2\x98</title>
        <link rel="alternate" href="http://b.test/1"/><summary>summary text</summary>
        <updated>2026-11-30T10:00:00Z</updated></entry></feed>"""
    (entry,) = parse(body)
    assert (entry.external_id, entry.title, entry.url, entry.text) == (
        "urn:1",
        "Atom 标题",
        "http://b.test/1",
        "summary text",
    )
    assert entry.published_at == datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def test_rss1_rdf_items():
    body = b"""<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
        xmlns:dc="http://purl.org/dc/elements/1.1/">
      <item rdf:about="http://c.test/1"><title>t</title><link>http://c.test/1</link><description>d</description>
        <dc:date>2026-11-29T00:00:00+08:00</dc:date></item></rdf:RDF>"""
    (item,) = parse(body)
    assert (item.external_id, item.title, item.text) == ("http://c.test/1", "t", "d")
    assert item.published_at == datetime(2026, 11, 28, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "file:///etc/passwd"><rss/>', "DTD"),
        (b"<rss><channel>", "不是有效的XML"),
        (b"{}", "不是有效的XML"),
        (b"<svg/>", "根元素为<svg>"),
        (b"   ", "订阅内容为空"),
    ],
)
def test_what_is_not_a_safe_feed_is_refused(body, message):
    with pytest.raises(FeedError, match=message):
        parse(body)
