"""Queries and the submission mutation of the opinions channel (cms/feedback)."""

from __future__ import annotations

import base64
import binascii

import graphene
from django.db import connection
from django.db.models import Prefetch
from graphql import GraphQLError

from cms.accounts.throttling import client_ip
from cms.api.core.pagination import DEFAULT_PAGE_SIZE, check_page_size
from cms.feedback import abuse, selectors, services
from cms.feedback.abuse import SubmissionError
from cms.feedback.models import CampaignPage, DraftArticle, MailboxPage

MAX_CHANNELS = 100
STATUS_CODES = {
    400: "BAD_REQUEST",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    413: "TOO_LARGE",
    415: "UNSUPPORTED_TYPE",
    422: "REFUSED",
    429: "RATE_LIMITED",
}


class OpinionError(GraphQLError):
    """A refused submission or lookup: the Chinese message, the field, and the HTTP status of the answer."""

    def __init__(self, error: SubmissionError):
        super().__init__(
            error.message,
            extensions={
                "code": STATUS_CODES.get(error.status, "BAD_REQUEST"),
                "httpStatus": error.status,
                "field": error.field,
            },
        )


OpinionStatusEnum = graphene.Enum(
    "OpinionState",
    [(v.upper(), v) for v in ("held", "new", "assigned", "replied", "closed", "rejected", "forwarded")],
    description="待审核, 待处理, 办理中, 已答复, 已办结, 不予受理, 已转办",
)


class DraftArticleType(graphene.ObjectType):
    number = graphene.Int(required=True)
    heading = graphene.String(required=True)
    text = graphene.String(required=True)


class OpinionChannel(graphene.ObjectType):
    """A campaign (意见征集, perhaps a draft for comment) or the standing mailbox (意见箱) of this site."""

    id = graphene.ID(required=True)
    kind = graphene.String(required=True, description="CAMPAIGN or MAILBOX")
    title = graphene.String(required=True)
    url = graphene.String()
    description = graphene.String(required=True)
    categories = graphene.List(graphene.NonNull(graphene.String), required=True)
    opens_at = graphene.DateTime()
    closes_at = graphene.DateTime()
    is_open = graphene.Boolean(required=True)
    document_title = graphene.String()
    articles = graphene.List(graphene.NonNull(DraftArticleType), required=True)

    def resolve_kind(parent, info):
        return "CAMPAIGN" if isinstance(parent, CampaignPage) else "MAILBOX"

    def resolve_url(parent, info):
        return parent.url_path

    def resolve_categories(parent, info):
        return parent.category_list

    def resolve_opens_at(parent, info):
        return getattr(parent, "opens_at", None)

    def resolve_closes_at(parent, info):
        return getattr(parent, "closes_at", None)

    def resolve_is_open(parent, info):
        return parent.is_open()

    def resolve_document_title(parent, info):
        return getattr(parent, "document_title", "") or None

    def resolve_articles(parent, info):
        return list(parent.articles.all()) if isinstance(parent, CampaignPage) else []  # prefetched


class OpinionStatus(graphene.ObjectType):
    """What a tracking code shows: status, the handling site, dates and the reply; never personal data."""

    status = graphene.Field(OpinionStatusEnum, required=True)
    status_label = graphene.String(required=True)
    site_name = graphene.String(required=True)
    category = graphene.String(required=True)
    submitted_at = graphene.DateTime(required=True)
    due_date = graphene.Date(required=True)
    replied_at = graphene.DateTime()
    closed_at = graphene.DateTime()
    reply = graphene.String(required=True)
    forwarded = graphene.Boolean(required=True)


class OpinionAnswer(graphene.ObjectType):
    """A published Q&A (网上答问): the question with personal data masked, and the reply."""

    id = graphene.ID(required=True)
    question = graphene.String(required=True)
    reply = graphene.String(required=True)
    category = graphene.String(required=True)
    channel_title = graphene.String(required=True)
    submitted_at = graphene.DateTime(required=True)
    replied_at = graphene.DateTime()

    def resolve_question(parent, info):
        return parent.public_question


class FeedbackQuery:
    """Mixed into the root Query (cms/api/wagtail_hooks.py)."""

    opinion_channels = graphene.List(
        graphene.NonNull(OpinionChannel),
        required=True,
        description=f"Live campaigns and mailboxes (at most {MAX_CHANNELS}).",
    )
    opinion_form_token = graphene.String(
        required=True, description="A signed token to send with submitOpinion; it must be a few seconds old when sent."
    )
    opinion = graphene.Field(
        OpinionStatus,
        code=graphene.String(required=True),
        description="An opinion by its tracking code (rate-limited).",
    )
    opinion_answers = graphene.List(
        graphene.NonNull(OpinionAnswer),
        required=True,
        channel=graphene.ID(),
        first=graphene.Int(default_value=DEFAULT_PAGE_SIZE),
        description="Published Q&A, newest first; `first` 1 to 100.",
    )

    def resolve_opinion_channels(root, info):
        articles = Prefetch("articles", queryset=DraftArticle.objects.order_by("number"))
        campaigns = list(
            CampaignPage.objects.live().public().prefetch_related(articles).order_by("-opens_at")[:MAX_CHANNELS]
        )
        mailboxes = list(MailboxPage.objects.live().public().order_by("path")[:MAX_CHANNELS])
        return (mailboxes + campaigns)[:MAX_CHANNELS]

    def resolve_opinion_form_token(root, info):
        return abuse.form_token(schema_name=connection.schema_name)

    def resolve_opinion(root, info, code):
        try:
            found = selectors.lookup(code=code, client_address=client_ip(info.context))
        except SubmissionError as error:
            raise OpinionError(error) from None
        return OpinionStatus(**{k: v for k, v in found.__dict__.items() if k in OpinionStatus._meta.fields})

    def resolve_opinion_answers(root, info, first, channel=None):
        check_page_size(first)
        channel_id = int(channel) if channel and str(channel).isdigit() else None
        return selectors.public_answers(channel_id=channel_id, limit=first)


class OpinionAttachmentInput(graphene.InputObjectType):
    name = graphene.String(required=True, description="File name with its extension")
    content_base64 = graphene.String(required=True, description="The file, base64-encoded")


class SubmitOpinionInput(graphene.InputObjectType):
    form_token = graphene.String(required=True, description="From opinionFormToken, fetched when the form was shown")
    channel = graphene.ID(description="A channel's id; the site's mailbox when left out")
    content = graphene.String(required=True)
    category = graphene.String()
    article = graphene.Int(description="On a draft for comment: the article's number")
    name = graphene.String()
    anonymous = graphene.Boolean(default_value=False)
    contact = graphene.String()
    address = graphene.String()
    attachments = graphene.List(graphene.NonNull(OpinionAttachmentInput))
    website = graphene.String(description="Leave empty (a field people do not see)")


class SubmitOpinion(graphene.Mutation):
    class Arguments:
        input = SubmitOpinionInput(required=True)

    code = graphene.String(required=True, description="The tracking code: shown once, keep it to follow the opinion")
    status = graphene.Field(OpinionStatusEnum, required=True)
    due_date = graphene.Date(required=True)
    held_for_review = graphene.Boolean(required=True)

    def mutate(root, info, input):
        try:
            attachments = []
            for item in input.get("attachments") or []:
                try:
                    data = base64.b64decode(item["content_base64"], validate=True)
                except (binascii.Error, ValueError):
                    raise SubmissionError(
                        f"附件“{item['name']}”不是有效的 base64 编码。", field="attachments"
                    ) from None
                attachments.append(services.Attachment(name=item["name"], data=data))
            channel = input.get("channel")
            if channel is not None and not str(channel).isdigit():
                raise SubmissionError("征集编号无效。", status=404, field="channel")
            submitted = services.submit_opinion(
                form_token=input["form_token"],
                channel_id=int(channel) if channel is not None else None,
                content=input.get("content") or "",
                category=input.get("category") or "",
                article_number=input.get("article"),
                name=input.get("name") or "",
                anonymous=bool(input.get("anonymous")),
                contact=input.get("contact") or "",
                address=input.get("address") or "",
                attachments=attachments,
                honeypot=input.get("website") or "",
                client_address=client_ip(info.context),
            )
        except SubmissionError as error:
            raise OpinionError(error) from None
        return SubmitOpinion(
            code=submitted.code,
            status=str(submitted.status),
            due_date=submitted.due_date,
            held_for_review=submitted.held,
        )


class FeedbackMutation(graphene.ObjectType):
    submit_opinion = SubmitOpinion.Field(description="Send an opinion; the answer's code tracks it (opinion(code:)).")
