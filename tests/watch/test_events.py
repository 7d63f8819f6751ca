"""Events per topic and time window, the threshold alert, handling transitions, the network as a source,
and the GraphQL of the watch on the central host (not anonymous, SQL counted)."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cms.watch import services
from cms.watch.models import Alert, Document, Event, HandlingStep, Topic
from tests.conftest import HOSTS, add_article

from .conftest import run_queued_tasks


def test_matches_group_into_one_event_per_topic_and_time_window(topic):
    start = timezone.now() - timedelta(days=3)
    # Given two opinions an hour apart and a third two days later (the window is 24 hours)
    for hours, text in ((0, "文联抄袭一"), (1, "文联剽窃二"), (50, "文联抄袭三")):
        services.ingest(source="opinions", text=text, published_at=start + timedelta(hours=hours))
    # Then two events: the first with two matches, the second with one
    events = list(Event.objects.filter(topic=topic).order_by("started_at"))
    assert [e.match_count for e in events] == [2, 1]
    assert events[0].last_match_at == start + timedelta(hours=1)


def test_a_resent_document_is_matched_once_and_other_topics_each_get_their_own_event(topic):
    other = Topic.objects.create(name="换届", rule="文联 AND 换届")
    services.ingest(source="opinions", text="文联换届中有人抄袭", external_id="op-1")
    services.ingest(source="opinions", text="文联换届中有人抄袭", external_id="op-1")
    assert Event.objects.get(topic=topic).match_count == 1
    assert Event.objects.get(topic=other).match_count == 1
    assert Document.objects.count() == 1


def test_a_topic_limited_to_one_site_sees_only_that_sites_documents(topic, alpha, beta):
    topic.site = alpha
    topic.save()
    services.ingest(source="opinions", text="文联抄袭", site=beta, external_id="b")
    assert not Event.objects.exists()
    services.ingest(source="opinions", text="文联抄袭", site=alpha, external_id="a")
    assert Event.objects.get(topic=topic).match_count == 1


def test_an_event_past_its_threshold_alerts_the_handlers_once(topic, handler, django_capture_on_commit_callbacks):
    # Given a topic with a threshold of 3, two matches so far
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(2):
            services.ingest(source="opinions", text=f"文联抄袭{n}")
    assert not Alert.objects.exists() and not mail.outbox
    # When the third match arrives, and then a fourth
    with django_capture_on_commit_callbacks(execute=True):
        services.ingest(source="opinions", text="文联抄袭3")
        services.ingest(source="opinions", text="文联抄袭4")
    # Then the handler was alerted once, on the dashboard and by email, and a deadline set
    event = Event.objects.get(topic=topic)
    assert event.match_count == 4 and event.alerted_at is not None and event.deadline is not None
    alert = Alert.objects.get()
    assert (alert.user, alert.match_count) == (handler, 3)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["yuqing@example.test"]
    assert "舆情预警" in mail.outbox[0].subject and "抄袭风波" in mail.outbox[0].subject


def test_the_alert_shows_on_the_handlers_admin_dashboard(client, topic, handler):
    for n in range(3):
        services.ingest(source="opinions", text=f"文联抄袭{n}")
    handler.is_superuser = True
    handler.save()
    client.force_login(handler)
    page = client.get("/admin/", HTTP_HOST=HOSTS["central"]).content.decode()
    assert "舆情预警" in page and "抄袭风波" in page


def test_handling_moves_through_its_stages_with_notes_and_refuses_skips(topic, handler):
    services.ingest(source="opinions", text="文联抄袭")
    event = Event.objects.get()
    deadline = timezone.now() + timedelta(days=1)
    # A skip from 监测 straight to 处置 is refused, naming the stages allowed
    with pytest.raises(ValidationError) as refused:
        services.record_handling(event=event, to_stage="handling", note="直接处置", user=handler)
    assert "不能转到“处置”" in str(refused.value) and "研判" in str(refused.value)
    # A move without a note is refused
    with pytest.raises(ValidationError, match="请填写处置意见"):
        services.record_handling(event=event, to_stage="analysing", note="  ", user=handler)
    # 监测 → 研判 → 处置 → 结束, each recorded
    services.record_handling(
        event=event, to_stage="analysing", note="转研判", user=handler, handler=handler, deadline=deadline
    )
    services.record_handling(event=event, to_stage="handling", note="联系作者核实", user=handler)
    services.record_handling(event=event, to_stage="closed", note="已澄清，结束", user=handler)
    event.refresh_from_db()
    assert (event.stage, event.handler, event.deadline) == ("closed", handler, deadline)
    assert event.closed_at is not None
    steps = list(HandlingStep.objects.filter(event=event).values_list("from_stage", "to_stage", "note"))
    assert steps == [
        ("monitoring", "analysing", "转研判"),
        ("analysing", "handling", "联系作者核实"),
        ("handling", "closed", "已澄清，结束"),
    ]
    # and each step is in the audit log, refused ones not
    from cms.audit.models import AuditEntry

    logged = AuditEntry.objects.filter(action="watch.handling", object_id=str(event.pk)).order_by("seq")
    assert [entry.details["to"] for entry in logged] == ["analysing", "handling", "closed"]
    assert {entry.username for entry in logged} == {handler.get_username()}
    # A closed event takes no new matches: the next one starts a new event
    services.ingest(source="opinions", text="文联又被指抄袭")
    assert Event.objects.filter(topic=topic).count() == 2


def test_the_handling_page_in_the_admin_records_a_step(client, topic, handler):
    services.ingest(source="opinions", text="文联抄袭")
    event = Event.objects.get()
    handler.is_superuser = True
    handler.save()
    client.force_login(handler)
    url = f"/admin/watch/events/{event.pk}/handle/"
    bad = client.post(url, {"to_stage": "analysing", "note": ""}, HTTP_HOST=HOSTS["central"])
    assert "请填写处置意见" in bad.content.decode()
    good = client.post(url, {"to_stage": "analysing", "note": "研判中"}, HTTP_HOST=HOSTS["central"])
    assert good.status_code == 302
    assert Event.objects.get().stage == "analysing"
    # A site's own admin has no opinion watch
    assert client.get(url, HTTP_HOST=HOSTS["alpha"]).status_code in (302, 403, 404)


def test_a_rule_that_does_not_parse_is_refused_by_the_admin_form_and_recorded_if_saved_otherwise(client, handler):
    handler.is_superuser = True
    handler.save()
    client.force_login(handler)
    response = client.post(
        "/admin/watch_topics/new/",
        {
            "name": "坏规则",
            "rule": "(文联 OR 协会",
            "enabled": "on",
            "window_hours": 24,
            "threshold": 10,
            "handling_days": 2,
        },
        HTTP_HOST=HOSTS["central"],
    )
    assert "规则无法解析：第1个字符处：缺少右括号" in response.content.decode()
    assert not Topic.objects.filter(name="坏规则").exists()
    # Saved some other way, the rule is kept with its error and never evaluated
    saved = Topic.objects.create(name="坏规则", rule="文联 AND")
    assert "第7个字符处" in saved.rule_error
    services.ingest(source="opinions", text="文联")
    assert not Event.objects.exists()


def test_pages_published_on_the_network_are_watched_through_the_national_index(
    alpha, beta, topic, django_capture_on_commit_callbacks
):
    before = timezone.now()
    # When a site publishes an article about the topic (the index syncs it; the watch queues a task)
    with django_capture_on_commit_callbacks(execute=True):
        page = add_article(alpha, "文联某作品被指抄袭", summary="网友发帖")
    connection.set_schema_to_public()
    results = run_queued_tasks("cms.watch.jobs.watch_pages", after=before)
    # Then the worker read it in the site's schema and the topic has an event from it
    assert results and {r.status for r in results} == {"SUCCESSFUL"}  # the section and the article
    document = Document.objects.get(external_id=f"{alpha.pk}:{page.pk}")
    assert document.site == alpha and document.source.kind == "network"
    assert Event.objects.get(topic=topic).match_count == 1
    # And the site re-indexed whole (its settings saved, say) has its unchanged pages skipped by the task
    from django_tenants.utils import schema_context

    from cms.network.index import reindex_site
    from cms.watch.network import ingest_pages

    def resync():
        started = timezone.now()
        with django_capture_on_commit_callbacks(execute=True):
            reindex_site(alpha)
        connection.set_schema_to_public()
        return run_queued_tasks("cms.watch.jobs.watch_pages", after=started)

    resync()  # the first may read the site's other pages, made before this test (their tasks never ran)
    again = resync()
    assert again and {r.status for r in again} == {"SUCCESSFUL"}
    assert [r.return_value for r in again] == [0] * len(again)
    # And the task refuses to read a site's pages from another site's schema
    with schema_context(beta.schema_name), pytest.raises(RuntimeError, match="own schema"):
        ingest_pages(site_id=alpha.pk, pages=[[page.pk, "x"]])
    # And unpublishing marks it removed, the event keeps it
    with schema_context(alpha.schema_name):
        page.unpublish()
    document.refresh_from_db()
    assert document.removed_at is not None
    assert Event.objects.get(topic=topic).match_count == 1


EVENTS = """query($first: Int) { watchEvents(first: $first) {
  items { id title stage stageName matchCount topic { name } counts(by: DAY) { at count }
          recentMatches(first: 3) { title source } steps { note } }
  pageInfo { hasNextPage endCursor } } }"""


def post(client, query, variables=None, host=HOSTS["central"], **extra):
    body = json.dumps({"query": query, "variables": variables or {}})
    return client.post("/graphql/", body, content_type="application/json", HTTP_HOST=host, **extra)


@pytest.fixture
def many_events(handler):
    topics = [Topic.objects.create(name=f"专题{n}", rule=f"关键{n}号") for n in range(6)]
    for n, _ in enumerate(topics):
        for m in range(3):
            services.ingest(source="opinions", text=f"关键{n}号第{m}条")
    return topics


def test_graphql_of_the_watch_is_not_anonymous(client, many_events):
    refused = post(client, EVENTS)
    assert refused.status_code == 400
    assert "central office login" in refused.json()["errors"][0]["message"]
    # Nor answered on a site's host, even to a token holder
    key = services.issue_token(name="大屏")
    on_site = post(client, EVENTS, host=HOSTS["alpha"], HTTP_AUTHORIZATION=f"Bearer {key}")
    assert "central office's host only" in on_site.json()["errors"][0]["message"]
    # A revoked token is refused
    from cms.watch.models import ApiToken

    services.revoke_token(token_id=ApiToken.objects.get().pk)
    assert post(client, EVENTS, HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 400


def test_graphql_events_with_a_token_cost_the_same_queries_for_any_page_size(client, many_events):
    key = services.issue_token(name="大屏")
    counts = []
    for first in (2, 6):
        with CaptureQueriesContext(connection) as queries:
            response = post(client, EVENTS, {"first": first}, HTTP_AUTHORIZATION=f"Bearer {key}")
        assert response.status_code == 200, response.content
        items = response.json()["data"]["watchEvents"]["items"]
        assert len(items) == first
        assert all(item["matchCount"] == 3 and sum(c["count"] for c in item["counts"]) == 3 for item in items)
        assert all(len(item["recentMatches"]) == 3 for item in items)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    print(f"watchEvents SQL queries: {counts}")
    # The answer is never cached: the same query without the token is still refused, and a GET is private
    assert post(client, EVENTS, {"first": 6}).status_code == 400
    got = client.get(
        "/graphql/",
        {"query": EVENTS, "variables": '{"first": 2}'},
        HTTP_HOST=HOSTS["central"],
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert got.status_code == 200 and "no-store" in got["Cache-Control"] and "ETag" not in got


def test_graphql_events_for_a_staff_session_with_permission(client, many_events, handler):
    handler.is_superuser = True
    handler.save()
    client.force_login(handler)
    data = post(client, EVENTS, {"first": 100}).json()["data"]["watchEvents"]
    assert len(data["items"]) == 6 and data["pageInfo"]["hasNextPage"] is False
    assert {item["stageName"] for item in data["items"]} == {"监测"}
    too_many = post(client, EVENTS, {"first": 101})
    assert too_many.status_code == 400


def test_the_watch_admin_lists_sources_topics_and_events_in_the_central_office_only(client, topic, handler):
    services.ingest(source="opinions", text="文联抄袭")
    handler.is_superuser = True
    handler.save()
    client.force_login(handler)
    for url, words in (
        ("/admin/watch_sources/", "意见建议"),
        ("/admin/watch_topics/", "抄袭风波"),
        ("/admin/watch_events/", "处置记录"),
    ):
        page = client.get(url, HTTP_HOST=HOSTS["central"])
        assert page.status_code == 200 and words in page.content.decode()
    # Events are not made by hand
    assert client.get("/admin/watch_events/new/", HTTP_HOST=HOSTS["central"]).status_code in (302, 403)
    # And a site's admin shows none of it
    assert "舆情监测" not in client.get("/admin/", HTTP_HOST=HOSTS["alpha"]).content.decode()


def test_fetch_now_asks_first_then_queues_the_feed_for_the_worker(client, handler):
    from django_tasks_db.models import DBTaskResult

    from cms.watch.models import Source

    handler.is_superuser = True
    handler.save()
    client.force_login(handler)
    source = Source.objects.create(name="订阅", kind="feed", url="http://127.0.0.1:9/feed.xml")
    listing = client.get("/admin/watch_sources/", HTTP_HOST=HOSTS["central"]).content.decode()
    url = f"/admin/watch/sources/{source.pk}/fetch/"
    assert url in listing
    assert "立即抓取订阅源" in client.get(url, HTTP_HOST=HOSTS["central"]).content.decode()
    assert client.post(url, HTTP_HOST=HOSTS["central"]).status_code == 302
    queued = DBTaskResult.objects.filter(task_path="cms.watch.jobs.fetch_feed").latest("enqueued_at")
    assert queued.args_kwargs["args"] == [source.pk] and queued.args_kwargs["schema"] == "public"


TOPICS = "{ watchTopics { name ruleError counts(by: DAY, days: 7) { at count } } }"


def test_graphql_topics_with_their_daily_counts_cost_the_same_queries_however_many(client, handler):
    handler.is_superuser = True
    handler.save()
    client.force_login(handler)

    def run(n):
        for k in range(n):
            topic = Topic.objects.create(name=f"话题{n}-{k}", rule=f"词{n}x{k}")
            services.ingest(source="opinions", text=f"词{n}x{k}", external_id=f"t{n}-{k}")
            services.ingest(source="opinions", text=f"又见词{n}x{k}", external_id=f"u{n}-{k}")
            assert topic.events.get().match_count == 2
        with CaptureQueriesContext(connection) as queries:
            data = post(client, TOPICS).json()["data"]["watchTopics"]
        return data, len(queries)

    small, small_queries = run(2)
    large, large_queries = run(5)
    assert len(large) == 7 and all(sum(c["count"] for c in topic["counts"]) == 2 for topic in large)
    assert small_queries == large_queries
    bad = post(client, "{ watchTopics { counts(days: 90) { count } } }")
    assert bad.status_code == 400 and "between 1 and 31" in bad.json()["errors"][0]["message"]


def test_an_opinion_from_the_opinions_channel_is_matched_by_the_worker_after_commit(
    alpha, topic, django_capture_on_commit_callbacks
):
    from cms.watch.signals import opinion_received

    before = timezone.now()
    # Given the opinions channel's signal, sent from a site while saving an opinion
    from django_tenants.utils import schema_context

    with schema_context(alpha.schema_name), django_capture_on_commit_callbacks(execute=True):
        opinion_received(
            sender=None, external_id="opinion-7", text="建议文联严查抄袭", site=alpha, published_at=timezone.now()
        )
        assert not Document.objects.exists()  # nothing done in the submitting transaction
    # When the worker runs the queued task (in public: the watch is the central office's)
    results = run_queued_tasks("cms.watch.jobs.watch_opinion", after=before)
    # Then the opinion is matched, with its site
    assert [(r.status, r.return_value) for r in results] == [("SUCCESSFUL", 1)]
    document = Document.objects.get(external_id="opinion-7")
    assert (document.source.kind, document.site) == ("opinions", alpha)
    assert Event.objects.get(topic=topic).match_count == 1
