"""A local HTTP server (http.server in a thread) serving feeds and bad answers, for the watch's tests."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def rss(*items: tuple[str, str, str]) -> bytes:
    """An RSS 2.0 document; items are (guid, title, description)."""
    entries = "".join(
        f"<item><guid>{guid}</guid><title>{title}</title><link>http://example.test/{guid}</link>"
        f"<description>{text}</description><pubDate>Tue, 01 Dec 2026 08:00:00 +0800</pubDate></item>"
        for guid, title, text in items
    )
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{entries}</channel></rss>'.encode()


class FeedServer:
    """Routes: path → (status, headers, body) or a callable(handler) for special behaviour. Records requests."""

    def __init__(self):
        self.routes: dict[str, object] = {}
        self.requests: list[tuple[str, dict]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append((self.path, dict(self.headers)))
                route = server.routes.get(self.path)
                if route is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                if callable(route):
                    route(self)
                    return
                status, headers, body = route
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def slow(seconds: float):
    def respond(handler):
        time.sleep(seconds)
        try:
            handler.send_response(200)
            handler.end_headers()
            handler.wfile.write(rss(("late", "迟到", "文联")))
        except OSError:
            pass

    return respond


def endless(handler):
    """A huge body with no Content-Length: the cap must stop the download."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.end_headers()
    try:
        for _ in range(10_000):
            handler.wfile.write(b"<x>" * 1000)
    except OSError:
        pass


def conditional(etag: str, body: bytes):
    """200 with an ETag and Last-Modified, 304 when the client sends them back."""

    def respond(handler):
        if handler.headers.get("If-None-Match") == etag:
            handler.send_response(304)
            handler.end_headers()
            return
        handler.send_response(200)
        handler.send_header("ETag", etag)
        handler.send_header("Last-Modified", "Tue, 01 Dec 2026 00:00:00 GMT")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return respond
