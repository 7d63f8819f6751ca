"""Through the real server (gunicorn, 2 workers, real HTTP): submissions are stored once each whichever worker
takes them, the per-address limit holds across workers, and the code follows the opinion when forwarded."""

import pytest
import requests
from django_tenants.utils import schema_context

from cms.feedback import services
from cms.feedback.models import Opinion
from cms.feedback.receipts.models import RateCounter, Receipt
from sites.models import Association
from tests.conftest import HOSTS
from tests.live_server import LiveServer

from .conftest import LOOKUP, SUBMIT, admin_user, make_mailbox


@pytest.fixture
def live(committed):
    delta, gamma = Association.objects.get(slug="delta"), Association.objects.get(slug="gamma")
    mailbox = make_mailbox(delta, title="实时意见箱")
    server = LiveServer(workers=2, CMS_OPINION_MIN_FILL_SECONDS="0", CMS_OPINION_PER_ADDRESS="6")
    try:
        yield server, delta, gamma, mailbox
    finally:
        server.stop()
        for site in (delta, gamma):
            with schema_context(site.schema_name):
                Opinion.objects.all().delete()
        with schema_context(delta.schema_name):
            section = mailbox.get_parent()
            mailbox.delete()
            section.delete()
        Receipt.objects.filter(site__in=[delta, gamma]).delete()
        for prefix in ("delta:", "beta:"):
            RateCounter.objects.filter(key__startswith=prefix).delete()


def post(server, host, query, variables=None, address="10.50.0.1"):
    return requests.post(
        f"http://127.0.0.1:{server.port}/graphql/",
        json={"query": query, "variables": variables or {}},
        headers={"Host": host, "Connection": "close", "X-Forwarded-For": address},
        timeout=30,
    )


def test_submissions_through_gunicorn_are_stored_once_limited_per_address_and_tracked_after_forwarding(live):
    server, delta, gamma, mailbox = live
    host = HOSTS["delta"]
    # when one address sends 8 submissions on new connections (either worker may take each)
    answers = []
    for n in range(8):
        token = post(server, host, "{ opinionFormToken }").json()["data"]["opinionFormToken"]
        variables = {
            "input": {
                "formToken": token,
                "channel": str(mailbox.pk),
                "content": f"实时第{n}条",
                "name": "甲",
                "contact": f"1380000{n:04d}",
            }
        }
        answers.append(post(server, host, SUBMIT, variables))
    # then the limit of 6 holds across both workers (the peer address: no proxy header is trusted)
    assert [a.status_code for a in answers] == [200] * 6 + [429] * 2
    codes = [a.json()["data"]["submitOpinion"]["code"] for a in answers[:6]]
    with schema_context(delta.schema_name):
        assert Opinion.objects.count() == 6
    # when the first is forwarded to the province
    with schema_context(delta.schema_name):
        first = Opinion.objects.order_by("id").first()
        services.forward(opinion_id=first.pk, user=admin_user(delta), to_site_id=gamma.pk, note="请省文联办理")
    # then its code, asked on another site's host, names the province
    looked_up = post(server, HOSTS["beta"], LOOKUP, {"code": codes[0]}).json()["data"]["opinion"]
    assert looked_up["siteName"] == gamma.name and looked_up["forwarded"] is True and looked_up["status"] == "NEW"
    # and an unknown code is a 404 over HTTP too
    assert post(server, HOSTS["beta"], LOOKUP, {"code": "0000-0000-0000-0000"}).status_code == 404
