"""The built-in rendering of a campaign or the mailbox: a plain form (POST), and a tracking-code lookup."""

from __future__ import annotations

from django.db import connection
from django.shortcuts import render

from cms.accounts.throttling import client_ip

from . import abuse, selectors, services
from .abuse import SubmissionError


def channel_page(request, page):
    context = {"page": page, "self": page, "request": request, "is_open": page.is_open()}
    status = 200
    if request.method == "POST" and request.POST.get("action") == "lookup":
        try:
            context["lookup"] = selectors.lookup(code=request.POST.get("code", ""), client_address=client_ip(request))
        except SubmissionError as error:
            context["lookup_error"], status = error.message, error.status
    elif request.method == "POST":
        files = request.FILES.getlist("attachments")
        try:
            if any(f.size > abuse.limits().max_attachment_bytes for f in files):
                big = next(f for f in files if f.size > abuse.limits().max_attachment_bytes)
                raise SubmissionError(
                    f"附件“{big.name}”超过 {abuse.limits().max_attachment_bytes // 1024} KB 的上限。", status=413
                )
            number = request.POST.get("article") or None
            submitted = services.submit_opinion(
                channel_id=page.pk,
                content=request.POST.get("content", ""),
                form_token=request.POST.get("form_token", ""),
                category=request.POST.get("category", ""),
                article_number=int(number) if number and number.isdigit() else None,
                name=request.POST.get("name", ""),
                anonymous=request.POST.get("anonymous") == "on",
                contact=request.POST.get("contact", ""),
                address=request.POST.get("address", ""),
                attachments=[services.Attachment(name=f.name, data=f.read()) for f in files],
                honeypot=request.POST.get("website", ""),
                client_address=client_ip(request),
            )
            context["submitted"] = submitted
        except SubmissionError as error:
            context["error"], status = error.message, error.status
            context["values"] = request.POST
    context["form_token"] = abuse.form_token(schema_name=connection.schema_name)
    context["answers"] = selectors.public_answers(channel_id=page.pk, limit=20)
    return render(request, "feedback/channel_page.html", context, status=status)
