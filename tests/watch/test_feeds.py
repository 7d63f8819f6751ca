"""Feeds fetched by the worker from a local server: an event end to end, conditional GET, and each bad feed."""

import pytest

from cms.watch import scheduling, services
from cms.watch.models import Document, Event, Match, Source

from .conftest import feed_source, run_queued_tasks
from .feed_server import FeedServer, conditional, endless, rss, slow


def test_an_event_from_a_local_feed_end_to_end_through_the_worker(topic, fast_feeds):
    with FeedServer() as server:
        # Given a feed with two items about the topic and one that is not
        server.routes["/feed.xml"] = (
            200,
            {"Content-Type": "application/rss+xml"},
            rss(
                ("a1", "某文联作品被指抄袭", "网友质疑"),
                ("a2", "文聯回應剽竊質疑", "繁体也要算"),
                ("a3", "天气晴朗", "与文联无关的好消息"),
            ),
        )
        source = feed_source(server.url("/feed.xml"))
        # When the scheduler queues due feeds and the worker runs them
        assert scheduling.enqueue_due_fetches() == 1
        assert scheduling.enqueue_due_fetches() == 0  # already queued: not twice
        results = run_queued_tasks()
    # Then the task succeeded, the items are stored and the two matching ones form one event
    assert [r.status for r in results] == ["SUCCESSFUL"]
    source.refresh_from_db()
    assert (source.status, source.last_error, source.items_imported) == ("ok", "", 3)
    assert source.next_fetch_at is not None and source.fetch_queued_at is None
    assert Document.objects.filter(source=source).count() == 3
    event = Event.objects.get(topic=topic)
    assert event.match_count == 2
    assert event.stage == Event.Stage.MONITORING
    assert set(Match.objects.filter(event=event).values_list("document__external_id", flat=True)) == {"a1", "a2"}


def test_a_feed_fetched_again_sends_its_etag_and_a_304_changes_nothing(topic, fast_feeds):
    with FeedServer() as server:
        server.routes["/c.xml"] = conditional('"v1"', rss(("c1", "文联抄袭", "")))
        source = feed_source(server.url("/c.xml"))
        first = services.fetch_source(source_id=source.pk)
        second = services.fetch_source(source_id=source.pk)
    assert first == {"status": "ok", "imported": 1, "matches": 1}
    assert second == {"status": "not_modified", "imported": 0}
    # The second request carried what the first answer said
    headers = server.requests[1][1]
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == "Tue, 01 Dec 2026 00:00:00 GMT"
    source.refresh_from_db()
    assert (source.status, source.etag, source.items_imported) == (Source.Status.NOT_MODIFIED, '"v1"', 1)
    assert Event.objects.get(topic=topic).match_count == 1


def test_the_same_items_fetched_again_are_not_counted_twice(topic, fast_feeds):
    with FeedServer() as server:
        server.routes["/f.xml"] = (200, {}, rss(("x1", "文联抄袭", "")))
        source = feed_source(server.url("/f.xml"))
        services.fetch_source(source_id=source.pk)
        services.fetch_source(source_id=source.pk)
    assert Document.objects.filter(source=source).count() == 1
    assert Event.objects.get(topic=topic).match_count == 1


def bad_routes(server):
    server.routes.update(
        {
            "/slow.xml": slow(2),
            "/huge.xml": (200, {}, b"<rss>" + b"x" * 300_000 + b"</rss>"),
            "/endless.xml": endless,
            "/html.xml": (200, {"Content-Type": "text/html"}, "<html><body>不是订阅源</body></html>".encode()),
            "/broken.xml": (200, {}, b"<rss><channel><item><title>a</title></channel></rss>"),
            "/bomb.xml": (
                200,
                {},
                b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><rss>&b;</rss>',
            ),
            "/loop-a": (302, {"Location": server.url("/loop-b")}, b""),
            "/loop-b": (302, {"Location": server.url("/loop-a")}, b""),
            "/gone.xml": (500, {}, b"oops"),
            "/empty.xml": (200, {}, b""),
        }
    )


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/slow.xml", "读取超时"),
        ("/huge.xml", "订阅内容过大"),
        ("/endless.xml", "订阅内容过大"),
        ("/html.xml", "不是RSS或Atom订阅源（根元素为<html>）"),
        ("/broken.xml", "不是有效的XML（第1行"),
        ("/bomb.xml", "DTD或实体声明"),
        ("/loop-a", "重定向超过3次"),
        ("/gone.xml", "HTTP 500"),
        ("/empty.xml", "订阅内容为空"),
    ],
)
def test_each_bad_feed_gets_a_clear_message_and_nothing_is_imported(topic, fast_feeds, path, message):
    with FeedServer() as server:
        bad_routes(server)
        source = feed_source(server.url(path))
        outcome = services.fetch_source(source_id=source.pk)
    source.refresh_from_db()
    assert outcome["status"] == "error"
    assert source.status == Source.Status.ERROR
    assert message in source.last_error
    assert source.failures == 1
    assert not Document.objects.filter(source=source).exists()


def test_bad_feeds_do_not_harm_the_worker_or_the_other_feeds(topic, fast_feeds):
    with FeedServer() as server:
        bad_routes(server)
        server.routes["/good.xml"] = (200, {}, rss(("g1", "文联抄袭", "")))
        bad = [feed_source(server.url(p), name=p) for p in ("/slow.xml", "/html.xml", "/loop-a", "/bomb.xml")]
        good = feed_source(server.url("/good.xml"), name="good")
        scheduling.enqueue_due_fetches()
        results = run_queued_tasks()
    # Every task finished normally (a bad feed is an outcome, not a crash) and the good feed was imported
    assert len(results) == 5 and {r.status for r in results} == {"SUCCESSFUL"}
    good.refresh_from_db()
    assert good.status == Source.Status.OK and good.items_imported == 1
    for source in bad:
        source.refresh_from_db()
        assert source.status == Source.Status.ERROR and source.last_error
    assert Event.objects.get(topic=topic).match_count == 1


def test_a_failure_half_way_through_an_import_keeps_nothing(topic, fast_feeds, monkeypatch):
    # Given an import that fails after its first documents were written
    from cms.watch import services as watch_services

    real = watch_services._add_to_event
    calls = []

    def failing(topic, document):
        calls.append(document)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(topic, document)

    monkeypatch.setattr(watch_services, "_add_to_event", failing)
    with FeedServer() as server:
        server.routes["/f.xml"] = (200, {}, rss(("h1", "文联抄袭", ""), ("h2", "文联剽窃", ""), ("h3", "无关", "")))
        source = feed_source(server.url("/f.xml"))
        outcome = services.fetch_source(source_id=source.pk)
    # Then nothing of it was kept, and the source says so
    source.refresh_from_db()
    assert outcome["status"] == "error"
    assert "未导入任何条目" in source.last_error
    assert not Document.objects.filter(source=source).exists()
    assert not Event.objects.exists()
    assert source.etag == ""  # fetched again in full next time
