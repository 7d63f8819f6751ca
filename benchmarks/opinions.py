"""`cms benchmark opinions`: submissions at a steady rate through the real server, and the inbox of a big site.

- Builds one site (blank theme) with a mailbox and `--inbox` opinions already in it (bulk-loaded with their
  receipts and events, dated over the past year), and an administrator.
- Submissions: `--rate` per second for `--seconds`, open loop (each request starts on its schedule, whatever
  the others do), through gunicorn with production settings; each request is a GraphQL `submitOpinion` with
  its own form token (fetched beforehand, as a page would), its own contact and one of 200 client addresses
  (`X-Real-IP`, as behind a proxy), so the per-address and per-contact limits are exercised, not hit.
  Screening is on (the national lexicon has a few hundred generated words). Afterwards every acknowledged
  code is looked for in the site's schema: lost = acknowledged but not stored exactly once.
- Inbox: the administrator logged in, `/admin/opinions/` (first page, counts by state) and the 待处理 filter,
  sequentially, p50/p95.
"""

from __future__ import annotations

import datetime
import random
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests

HOST = "opinions.localhost"
ADMIN = "benchadmin"
TARGETS = {"submit_p95_ms": 100.0, "inbox_p95_ms": 300.0}
SUBMIT = "mutation($input: SubmitOpinionInput!) { submitOpinion(input: $input) { code status } }"
CATEGORIES = ["文艺创作", "权益保障", "组织建设", "文艺评论", "其他"]


@dataclass
class Figures:
    inbox_size: int
    rate: float
    seconds: float
    sent: int = 0
    acknowledged: int = 0
    refused: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    lost: int = 0
    duplicated: int = 0
    submit_latencies: list[float] = field(default_factory=list)
    inbox_latencies: list[float] = field(default_factory=list)
    filtered_latencies: list[float] = field(default_factory=list)
    sequential_latencies: list[float] = field(default_factory=list)
    achieved_rate: float = 0.0

    def as_json(self) -> dict:
        return {
            "inbox_size": self.inbox_size,
            "rate": self.rate,
            "seconds": self.seconds,
            "sent": self.sent,
            "acknowledged": self.acknowledged,
            "refused": self.refused,
            "errors": sum(self.errors.values()),
            "lost": self.lost,
            "duplicated": self.duplicated,
            "achieved_rate": round(self.achieved_rate, 1),
            "sequential_p50_ms": percentile(self.sequential_latencies, 50),
            "submit_p50_ms": percentile(self.submit_latencies, 50),
            "submit_p95_ms": percentile(self.submit_latencies, 95),
            "submit_p99_ms": percentile(self.submit_latencies, 99),
            "inbox_p50_ms": percentile(self.inbox_latencies, 50),
            "inbox_p95_ms": percentile(self.inbox_latencies, 95),
            "filtered_p95_ms": percentile(self.filtered_latencies, 95),
        }


def percentile(values: list[float], percent: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(percent / 100 * len(ordered) + 0.5) - 1))
    return round(ordered[index], 2)


def build(*, inbox: int, password: str, progress=print) -> None:
    """The site, its mailbox, a lexicon for screening, and `inbox` stored opinions."""
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import schema_context
    from wagtail.models import Site

    from cms.accounts.models import User
    from cms.feedback import abuse, codes
    from cms.feedback.models import MailboxPage, Opinion, OpinionEvent
    from cms.feedback.receipts.models import Receipt
    from cms.pages.models import SectionPage
    from cms.review.models import LexiconEntry
    from cms.text.normalise import normalise_word
    from sites.services import create_site

    site = create_site(
        name="意见征集基准网站",
        short_name="意见基准",
        slug="opinions",
        kind="national_federation",
        domain=HOST,
        theme="blank",
    )
    rng = random.Random(13)
    pool = [chr(cp) for cp in rng.sample(range(0x4E00, 0x9FA6), 2000)]
    words = {normalise_word(w): w for w in ("".join(rng.choice(pool) for _ in range(3)) for _ in range(500))}
    LexiconEntry.objects.bulk_create(
        LexiconEntry(site=None, word=w, normalised=k, category="生成", level="block" if i % 10 else "review")
        for i, (k, w) in enumerate(words.items())
    )
    with schema_context(site.schema_name):
        User.objects.create_superuser(ADMIN, "", password)
        root = Site.objects.get().root_page
        section = SectionPage(title="意见建议", slug="opinions")
        root.add_child(instance=section)
        section.save_revision().publish()
        mailbox = MailboxPage(title="意见箱", slug="mailbox", categories="\n".join(CATEGORIES))
        section.add_child(instance=mailbox)
        mailbox.save_revision().publish()
        now = timezone.now()
        batch = 5000
        for start in range(0, inbox, batch):
            progress(f"  opinions {start}/{inbox}")
            rows = []
            for n in range(start, min(inbox, start + batch)):
                submitted = now - datetime.timedelta(minutes=rng.randint(10, 365 * 24 * 60))
                state = rng.choices(["new", "assigned", "replied", "closed", "rejected"], [3, 2, 3, 5, 1])[0]
                rows.append(
                    Opinion(
                        channel_id=mailbox.pk,
                        channel_title=mailbox.title,
                        category=rng.choice(CATEGORIES),
                        content=f"第{n}条意见：" + "".join(rng.choice(pool) for _ in range(80)),
                        name=f"提交人{n}",
                        contact=f"139{n:08d}",
                        address_hash=abuse.fingerprint(f"10.{n % 250}.0.1"),
                        code_hash=codes.code_hash(codes.new_code()),
                        status=state,
                        submitted_at=submitted,
                        due_date=submitted.date() + datetime.timedelta(days=21),
                        replied_at=submitted + datetime.timedelta(days=rng.randint(1, 30))
                        if state in ("replied", "closed")
                        else None,
                        reply="感谢您的意见。" if state in ("replied", "closed") else "",
                        closed_at=submitted + datetime.timedelta(days=31) if state in ("closed", "rejected") else None,
                    )
                )
            made = Opinion.objects.bulk_create(rows)
            OpinionEvent.objects.bulk_create(
                OpinionEvent(opinion=o, kind="submitted", actor_name="系统", created_at=o.submitted_at) for o in made
            )
            Receipt.objects.bulk_create(
                Receipt(
                    code_hash=o.code_hash,
                    site=site,
                    opinion_id=o.pk,
                    kind=o.kind,
                    category=o.category,
                    status=o.status,
                    submitted_at=o.submitted_at,
                    due_date=o.due_date,
                    replied_at=o.replied_at,
                    closed_at=o.closed_at,
                )
                for o in made
            )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # statistics as autovacuum would have them after a bulk load


def tokens(*, base: str, count: int) -> list[str]:
    """Form tokens, fetched as pages would fetch them (one GraphQL query each, on 4 connections)."""

    def one(_):
        with requests.Session() as session:
            reply = session.post(
                f"{base}/graphql/", json={"query": "{ opinionFormToken }"}, headers={"Host": HOST}, timeout=30
            )
            return reply.json()["data"]["opinionFormToken"]

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(one, range(count)))


def submit_load(
    *, base: str, rate: float, seconds: float, form_tokens: list[str], figures: Figures, threads: int = 32
) -> list[str]:
    """Open-loop submissions at `rate`/s; returns the acknowledged codes."""
    total = min(len(form_tokens), int(rate * seconds))
    codes: list[str] = []
    lock = threading.Lock()
    local = threading.local()
    started = time.monotonic()

    def one(n: int) -> None:
        due = started + n / rate
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        body = {
            "query": SUBMIT,
            "variables": {
                "input": {
                    "formToken": form_tokens[n],
                    "content": f"基准测试意见第{n}条：建议加强基层文艺阵地建设，丰富群众文化生活。",
                    "name": f"基准{n}",
                    "contact": f"1370000{n:04d}",
                    "category": CATEGORIES[n % len(CATEGORIES)],
                }
            },
        }
        sent = time.perf_counter()
        try:
            reply = session.post(
                f"{base}/graphql/", json=body, headers={"Host": HOST, "X-Real-IP": f"10.20.{n % 200}.1"}, timeout=30
            )
            elapsed = (time.perf_counter() - sent) * 1000
            payload = reply.json()
        except (requests.RequestException, ValueError) as error:
            with lock:
                figures.errors[type(error).__name__] = figures.errors.get(type(error).__name__, 0) + 1
            return
        with lock:
            figures.sent += 1
            figures.submit_latencies.append(elapsed)
            if reply.status_code == 200 and payload.get("data", {}).get("submitOpinion"):
                figures.acknowledged += 1
                codes.append(payload["data"]["submitOpinion"]["code"])
            elif reply.status_code in (400, 403, 413, 415, 422, 429):
                figures.refused += 1
            else:
                figures.errors[f"HTTP {reply.status_code}"] = figures.errors.get(f"HTTP {reply.status_code}", 0) + 1

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(total)))
    figures.achieved_rate = total / max(time.monotonic() - started, 1e-9)
    return codes


def sequential(*, base: str, form_tokens: list[str], figures: Figures) -> None:
    """Submissions one after another on one connection: the latency with no queue in front."""
    with requests.Session() as session:
        for n, token in enumerate(form_tokens):
            body = {
                "query": SUBMIT,
                "variables": {
                    "input": {
                        "formToken": token,
                        "content": "顺序提交的意见。",
                        "name": "顺序",
                        "contact": f"1360000{n:04d}",
                    }
                },
            }
            sent = time.perf_counter()
            reply = session.post(
                f"{base}/graphql/", json=body, headers={"Host": HOST, "X-Real-IP": "10.30.0.1"}, timeout=30
            )
            figures.sequential_latencies.append((time.perf_counter() - sent) * 1000)
            if reply.status_code != 200:
                figures.errors[f"sequential HTTP {reply.status_code}"] = (
                    figures.errors.get(f"sequential HTTP {reply.status_code}", 0) + 1
                )


def check_stored(*, acknowledged: list[str], figures: Figures) -> None:
    from django.db.models import Count
    from django_tenants.utils import schema_context

    from cms.feedback import codes
    from cms.feedback.models import Opinion

    hashes = [codes.code_hash(code) for code in acknowledged]
    with schema_context("opinions"):
        found = dict(
            Opinion.objects.filter(code_hash__in=hashes)
            .values_list("code_hash")
            .annotate(n=Count("id"))
            .values_list("code_hash", "n")
        )
    figures.lost = sum(1 for h in hashes if found.get(h, 0) == 0)
    figures.duplicated = sum(1 for h in hashes if found.get(h, 0) > 1)


def measure_inbox(*, base: str, password: str, requests_count: int, figures: Figures) -> None:
    with requests.Session() as session:
        page = session.get(f"{base}/admin/login/", headers={"Host": HOST}, timeout=30)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        login = session.post(
            f"{base}/admin/login/",
            headers={"Host": HOST},
            allow_redirects=False,
            timeout=30,
            data={"username": ADMIN, "password": password, "csrfmiddlewaretoken": token},
        )
        if login.status_code != 302:
            raise RuntimeError(f"admin login refused: HTTP {login.status_code}")
        for path, bucket in (
            ("/admin/opinions/", figures.inbox_latencies),
            ("/admin/opinions/?status=new", figures.filtered_latencies),
        ):
            session.get(f"{base}{path}", headers={"Host": HOST}, timeout=30)  # warm
            for _ in range(requests_count):
                sent = time.perf_counter()
                reply = session.get(f"{base}{path}", headers={"Host": HOST}, timeout=30)
                bucket.append((time.perf_counter() - sent) * 1000)
                if reply.status_code != 200 or "意见建议办理" not in reply.text:
                    figures.errors[f"inbox HTTP {reply.status_code}"] = (
                        figures.errors.get(f"inbox HTTP {reply.status_code}", 0) + 1
                    )


def report(figures: Figures, *, workers: int) -> str:
    f = figures.as_json()
    errors = ", ".join(f"{k}: {v}" for k, v in figures.errors.items()) or "none"
    lines = [
        f"Opinions channel: {figures.inbox_size:,} opinions in the inbox; {figures.rate:g} submissions/s for "
        f"{figures.seconds:g} s through gunicorn ({workers} workers, production settings, screening on), real HTTP on 127.0.0.1.",
        "",
        f"{'figure':<44}{'ours':>14}  target",
        f"{'submissions sent / acknowledged / refused':<44}{f['sent']:>5} / {f['acknowledged']} / {f['refused']:<3}",
        f"{'achieved rate':<44}{f['achieved_rate']:>12.1f}/s  {figures.rate:g}/s",
        f"{'submission p50 / p95 / p99':<44}{f['submit_p50_ms']:>6.1f} / {f['submit_p95_ms']:.1f} / "
        f"{f['submit_p99_ms']:.1f} ms  p95 < {TARGETS['submit_p95_ms']:.0f} ms",
        f"{'one at a time, p50 (no queue)':<44}{f['sequential_p50_ms']:>10.1f} ms",
        f"{'lost / stored twice':<44}{f['lost']:>8} / {f['duplicated']}  0 / 0",
        f"{'inbox p50 / p95 (first page, counts)':<44}{f['inbox_p50_ms']:>6.1f} / {f['inbox_p95_ms']:.1f} ms  "
        f"p95 < {TARGETS['inbox_p95_ms']:.0f} ms",
        f"{'inbox filtered to 待处理, p95':<44}{f['filtered_p95_ms']:>10.1f} ms",
        f"Errors: {errors}",
    ]
    return "\n".join(lines)
