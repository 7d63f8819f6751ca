import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.conftest import ADMIN_PASSWORD, HOSTS
from tests.factories import make_section


@pytest.fixture(autouse=True)
def no_fill_delay(settings):
    """Tests send at once; the fill-time test sets its own minimum."""
    settings.CMS_OPINION_LIMITS = {**settings.CMS_OPINION_LIMITS, "min_fill_seconds": 0}


def opinions_section(site):
    from cms.pages.models import SectionPage

    with schema_context(site.schema_name):
        section = SectionPage.objects.filter(slug="opinions").first()
    return section or make_section(site, "意见建议", "opinions")


def make_mailbox(site, title="意见箱", categories="文艺创作\n权益保障"):
    from cms.feedback.models import MailboxPage

    section = opinions_section(site)
    with schema_context(site.schema_name):
        page = MailboxPage(
            title=title, slug=f"mailbox-{timezone.now().timestamp():.0f}", description="欢迎来信", categories=categories
        )
        section.add_child(instance=page)
        page.save_revision().publish()
        return page


def make_campaign(site, *, title="征集", articles=(), opens_days=-1, closes_days=30, slug=None):
    from cms.feedback.models import CampaignPage, DraftArticle

    section = opinions_section(site)
    now = timezone.now()
    with schema_context(site.schema_name):
        page = CampaignPage(
            title=title,
            slug=slug or f"campaign-{now.timestamp():.0f}-{len(title)}",
            opens_at=now + datetime.timedelta(days=opens_days),
            closes_at=now + datetime.timedelta(days=closes_days),
            document_title="征求意见稿" if articles else "",
            categories="文艺创作",
        )
        page.articles = [DraftArticle(number=n, heading=h, text=t) for n, h, t in articles]
        section.add_child(instance=page)
        page.save_revision().publish()
        return page


SUBMIT = """mutation($input: SubmitOpinionInput!) {
  submitOpinion(input: $input) { code status dueDate heldForReview } }"""
LOOKUP = """query($code: String!) { opinion(code: $code) {
  status statusLabel siteName category submittedAt dueDate repliedAt reply forwarded } }"""


def graphql(client, host, query, variables=None, **extra):
    body = {"query": query, "variables": variables or {}}
    return client.post("/graphql/", json.dumps(body), content_type="application/json", HTTP_HOST=host, **extra)


def form_token(client, host) -> str:
    response = graphql(client, host, "{ opinionFormToken }")
    assert response.status_code == 200, response.content
    return response.json()["data"]["opinionFormToken"]


def submit(client, host, *, token=None, remote="10.0.0.1", **fields):
    fields.setdefault("content", "建议多举办基层文艺培训。")
    fields.setdefault("name", "张三")
    fields.setdefault("contact", "13812341234")
    if "formToken" not in fields:
        fields["formToken"] = token or form_token(client, host)
    return graphql(client, host, SUBMIT, {"input": fields}, REMOTE_ADDR=remote)


def admin_client(site) -> Client:
    client = Client()
    response = client.post(
        "/admin/login/", {"username": "admin", "password": ADMIN_PASSWORD}, HTTP_HOST=HOSTS[site.slug]
    )
    assert response.status_code == 302
    return client


def admin_user(site):
    from cms.accounts.models import User

    with schema_context(site.schema_name):
        return User.objects.get(username="admin")
