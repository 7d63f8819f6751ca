"""The web server's worker takes quick requests first, readers' before editors', and editors' within a bound."""

import socket
import threading
import time

import pytest
import requests

from cms import webserver
from cms.webserver import EDITOR, QUICK, READER, LanePool, urgency
from tests.conftest import HOSTS
from tests.live_server import LiveServer


def head(request_line: str, *headers: str, body: str = "") -> bytes:
    return ("\r\n".join([request_line, *headers, "", body])).encode()


@pytest.mark.parametrize(
    ("request_head", "expected"),
    [
        (head("GET /graphql/?query=%7B+site+%7B+name+%7D+%7D HTTP/1.1", "Host: a.localhost"), QUICK),
        (head("POST /graphql/ HTTP/1.1", "Host: a", "Content-Length: 27", body='{"query":"{ site { name } }"}'), QUICK),
        (head("POST /graphql/ HTTP/1.1", "Host: a", "cache-control:  No-Cache", body='{"query":"{ a }"}'), READER),
        (head("POST /graphql/ HTTP/1.1", "Host: a", body='{"query":"mutation { submitOpinion }"}'), READER),
        (head("POST /graphql/batch HTTP/1.1", "Host: a", body="[]"), READER),
        (head("PUT /graphql/ HTTP/1.1", "Host: a", body="{}"), READER),
        (head("GET /news/1/ HTTP/1.1", "Host: a"), READER),
        (head("GET /admin/pages/ HTTP/1.1", "Host: a"), EDITOR),
        (head("POST /admin/pages/add/pages/articlepage/3/ HTTP/1.1", "Host: a", body="title=x"), EDITOR),
        (b"POST /graphql/ HTTP/1.1\r\nHost: a\r\nContent-Le", READER),  # the headers have not all arrived
        (b"GET /graphql/?query=", READER),  # nor the request line
        (b"", READER),
    ],
)
def test_each_request_is_given_its_urgency_by_its_first_bytes(request_head, expected):
    assert urgency(request_head) == expected


def run_in_order(pool: LanePool, kinds: list[int], *, waited: float = 0.0) -> list[int]:
    """Block the pool's one thread, queue work of `kinds`, release it after `waited` seconds: the kinds in the
    order they ran."""
    release, ran = threading.Event(), []
    blocker = pool.submit(release.wait, urgency=READER)
    time.sleep(0.1)  # the thread has taken the blocker
    done = [pool.submit(ran.append, kind, urgency=kind) for kind in kinds]
    time.sleep(waited)
    release.set()
    for future in [blocker, *done]:
        future.result(timeout=10)
    return ran


def test_the_pool_takes_quick_work_first_then_readers_then_editors():
    pool = LanePool(1, quick_only=0)
    try:
        assert run_in_order(pool, [EDITOR, READER, EDITOR, QUICK, READER, QUICK]) == [
            QUICK,
            QUICK,
            READER,
            READER,
            EDITOR,
            EDITOR,
        ]
    finally:
        pool.shutdown()


def test_an_editor_who_waited_long_enough_goes_before_readers(monkeypatch):
    monkeypatch.setattr(webserver, "EDITOR_WAIT_LIMIT", 0.05)
    pool = LanePool(1, quick_only=0)
    try:
        # the editor's request has waited past the limit when the thread is free: it is next, before readers
        assert run_in_order(pool, [EDITOR, READER, READER], waited=0.2) == [EDITOR, READER, READER]
    finally:
        pool.shutdown()


def test_a_quick_only_thread_answers_quick_work_while_the_others_are_busy_and_nothing_else():
    pool = LanePool(1, quick_only=1)
    release = threading.Event()
    try:
        slow = pool.submit(release.wait, urgency=EDITOR)
        time.sleep(0.1)  # the general thread has taken it
        assert pool.submit(lambda: "quick", urgency=QUICK).result(timeout=5) == "quick"
        reader = pool.submit(lambda: "reader", urgency=READER)
        time.sleep(0.3)
        assert not reader.done() and not slow.done()  # the quick-only thread did not take it
        release.set()
        assert reader.result(timeout=5) == "reader"
    finally:
        release.set()
        pool.shutdown()


@pytest.fixture
def one_thread_server(committed):
    live = LiveServer(workers=1, threads=1)
    yield live
    live.stop()


def test_over_http_a_cached_query_is_answered_while_the_only_thread_is_held_by_the_admin(one_thread_server):
    server, host = one_thread_server, HOSTS["alpha"]
    graphql = f"http://127.0.0.1:{server.port}/graphql/"
    query = {"query": "{ site { name } }"}
    assert requests.post(graphql, json=query, headers={"Host": host}, timeout=10).status_code == 200
    # An editor's request whose body is slow to come holds the worker's one thread (with a CSRF cookie, the
    # login view reads the body, waiting for the rest of it)
    editor = socket.create_connection(("127.0.0.1", server.port))
    editor.sendall(
        f"POST /admin/login/ HTTP/1.1\r\nHost: {host}\r\nCookie: csrftoken={'a' * 32}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 40\r\n\r\nusername=".encode()
    )
    time.sleep(0.5)
    try:
        # A reader's query the answer cache may hold is answered meanwhile (stock gthread: it waits)
        cached = requests.post(graphql, json=query, headers={"Host": host, "Connection": "close"}, timeout=10)
        assert cached.status_code == 200 and cached.json()["data"]["site"]["name"] == "测试全国文联"
        # So is one on a connection whose request came only after the worker had accepted it
        late = socket.create_connection(("127.0.0.1", server.port))
        time.sleep(0.5)
        late.sendall(f"GET /graphql/?query=%7B+site+%7B+name+%7D+%7D HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        late.settimeout(5)
        assert late.recv(65536).startswith(b"HTTP/1.1 200")
        late.close()
        # One that must be executed waits for the thread, as before
        with pytest.raises(requests.exceptions.ReadTimeout):
            requests.post(
                graphql,
                json=query,
                headers={"Host": host, "Cache-Control": "no-cache", "Connection": "close"},
                timeout=1.5,
            )
    finally:
        editor.sendall(b"x" * 31)  # the rest of the body: the editor's request ends, the thread is free again
        editor.settimeout(10)
        answer = editor.recv(65536)
        editor.close()
    assert answer.startswith(b"HTTP/1.1 403")  # the made-up CSRF token is refused, once the body is read
    fresh = requests.post(graphql, json=query, headers={"Host": host, "Cache-Control": "no-cache"}, timeout=10)
    assert fresh.status_code == 200
