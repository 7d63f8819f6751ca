"""Syndication in each site's Wagtail admin: inbox, received copies, sent items, policy, and the page actions
报送上级 / 下发. Thin callers of `syndication`; the site is always `request.tenant`, never a form field."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from wagtail.admin import messages
from wagtail.models import Page
from wagtail.permission_policies.pages import PagePermissionPolicy

from sites.models import Association

from . import syndication
from .forms import PUBLISH, AcceptForm, DeclineForm, PolicyForm, PushForm, SubmitForm
from .jobs import deliver_pushed
from .models import Syndication, SyndicationPolicy
from .previews import submission_previews
from .syndication import SyndicationError

PER_PAGE = 50
INBOX_LIMIT = 200


def can_syndicate(user) -> bool:
    """Editors who can publish somewhere in this site may handle syndication."""
    return bool(user.is_active and (user.is_superuser or PagePermissionPolicy().user_has_permission(user, "publish")))


def _site(request) -> Association:
    if not can_syndicate(request.user):
        raise PermissionDenied
    return request.tenant


def _sections(user) -> list[tuple[int, str]]:
    """This site's sections the user may add pages to, in tree order, indented by depth."""
    from cms.pages.models import SectionPage

    choices = []
    for section in SectionPage.objects.order_by("path"):
        if user.is_superuser or section.permissions_for_user(user).can_add_subpage():
            label = "　" * max(section.depth - 3, 0) + section.title + ("" if section.live else "（未发布）")
            choices.append((section.pk, label))
    return choices


def _site_label(site: Association) -> str:
    return f"{site.name}（{site.get_kind_display()}）"


def _first_error(form) -> str:
    for errors in form.errors.values():
        return errors[0]
    return "表单有误。"


def _paginate(request, queryset):
    return Paginator(queryset, PER_PAGE).get_page(request.GET.get("p"))


# --- Inbox ---


def inbox_view(request):
    site = _site(request)
    items = list(syndication.inbox(site).select_related("source_site")[:INBOX_LIMIT])
    previews = submission_previews(receiver=site, records=items)
    for item in items:
        item.preview = previews.get(item.pk)
    sections = _sections(request.user)
    return render(
        request,
        "network/inbox.html",
        {
            "tab": "inbox",
            "page_title": "收件箱",
            "items": items,
            "limited": len(items) == INBOX_LIMIT,
            "accept_form": AcceptForm(sections=sections),
            "decline_form": DeclineForm(),
            "site": site,
        },
    )


@require_POST
def accept_view(request, syndication_id: int):
    site = _site(request)
    form = AcceptForm(request.POST, sections=_sections(request.user))
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect("network_inbox")
    try:
        record = syndication.accept(
            syndication_id=syndication_id,
            receiver=site,
            section_id=form.cleaned_data["section"],
            user=request.user,
            publish=form.cleaned_data["action"] == PUBLISH,
        )
    except SyndicationError as error:
        messages.error(request, str(error))
        return redirect("network_inbox")
    event = record.events.filter(action="accepted").last()
    detail = f"：{event.detail}" if event and event.detail else ""
    messages.success(
        request,
        f"已采用“{record.source_title}”{detail}。",
        buttons=[(reverse("wagtailadmin_pages:edit", args=[record.copy_page_id]), "编辑本站副本")],
    )
    return redirect("network_inbox")


@require_POST
def decline_view(request, syndication_id: int):
    site = _site(request)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect("network_inbox")
    try:
        record = syndication.decline(
            syndication_id=syndication_id,
            receiver=site,
            reason=form.cleaned_data["reason"],
            user_name=request.user.get_username(),
        )
    except SyndicationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"已退回“{record.source_title}”，“{record.source_site_name}”会看到退回理由。")
    return redirect("network_inbox")


# --- Received copies, sent items ---


def received_view(request):
    site = _site(request)
    page = _paginate(request, syndication.received(site))
    return render(
        request,
        "network/received.html",
        {
            "tab": "received",
            "page_title": "已采用/已接收",
            "items": page,
            "in_sync": Syndication.CopyState.IN_SYNC,
        },
    )


def sent_view(request):
    site = _site(request)
    page = _paginate(request, syndication.sent(site))
    return render(request, "network/sent.html", {"tab": "sent", "page_title": "我的报送", "items": page})


# --- Policy ---


def policy_view(request):
    site = _site(request)
    sections = _sections(request.user)
    policy = SyndicationPolicy.objects.filter(site=site).first() or SyndicationPolicy(site=site)
    initial = {"landing": policy.landing, "section": policy.section_id or ""}
    form = PolicyForm(request.POST or None, sections=sections, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            syndication.set_policy(
                site=site, landing=form.cleaned_data["landing"], section_id=form.cleaned_data["section"]
            )
        except SyndicationError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "转载设置已保存。")
            return redirect("network_policy")
    return render(request, "network/policy.html", {"tab": "policy", "page_title": "转载设置", "form": form})


# --- Page actions ---


def _page_for_action(request, page_id: int):
    """The page, if the user may publish it and it is a live, original content item: (page, None);
    else (page, the reason in Chinese)."""
    from cms.pages.models import ContentPage

    page = get_object_or_404(Page, pk=page_id).specific
    if not page.permissions_for_user(request.user).can_publish():
        raise PermissionDenied
    if not isinstance(page, ContentPage):
        return page, f"“{page.title}”不是稿件（只有文章、通知公告、活动、艺术家、作品可以报送和下发）。"
    if not page.live:
        return page, f"“{page.title}”尚未发布，发布后才能报送或下发。"
    if page.syndication_id:
        return page, f"“{page.title}”本身是转载稿件，请由原发网站报送或下发。"
    return page, None


def _action(request, page_id: int, sites: list[Association], no_sites: str):
    """The page and the sites it may go to, or a redirect back to the page saying why not."""
    page, problem = _page_for_action(request, page_id)
    targets = {s.pk: s for s in sites}
    if problem is None and not targets:
        problem = no_sites
    if problem:
        messages.error(request, problem)
        return page, targets, redirect("wagtailadmin_pages:edit", page.pk)
    return page, targets, None


def page_submit_view(request, page_id: int):
    site = _site(request)
    page, targets, refusal = _action(request, page_id, syndication.ancestors(site), "本站没有可报送的上级网站。")
    if refusal:
        return refusal
    form = SubmitForm(request.POST or None, targets=[(pk, _site_label(s)) for pk, s in targets.items()])
    if request.method == "POST" and form.is_valid():
        target = targets[form.cleaned_data["target"]]
        try:
            syndication.submit(
                source_site=site,
                page_id=page.pk,
                target_site=target,
                user_name=request.user.get_username(),
                note=form.cleaned_data["note"],
            )
        except SyndicationError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"已将“{page.title}”报送给“{target.name}”，等待对方采用。")
            return redirect("network_sent")
    return render(
        request,
        "network/page_submit.html",
        {
            "page_title": "报送上级",
            "page": page,
            "form": form,
            "header_icon": "upload",
            "submit_text": "报送",
        },
    )


def page_push_view(request, page_id: int):
    site = _site(request)
    page, targets, refusal = _action(request, page_id, syndication.descendants(site), "本站没有可下发的下级网站。")
    if refusal:
        return refusal
    form = PushForm(request.POST or None, targets=[(pk, _site_label(s)) for pk, s in targets.items()])
    if request.method == "POST" and form.is_valid():
        chosen = None
        if form.cleaned_data["scope"] == PushForm.CHOSEN:
            chosen = [targets[pk] for pk in form.cleaned_data["targets"]]
        try:
            result = syndication.push(
                source_site=site,
                page_id=page.pk,
                targets=chosen,
                user_name=request.user.get_username(),
                note=form.cleaned_data["note"],
            )
        except SyndicationError as error:
            messages.error(request, str(error))
        else:
            ids = [record.pk for record in result.created]
            if ids:
                deliver_pushed.enqueue(ids)
            text = f"已下发“{page.title}”：{len(ids)} 个网站排队送达"
            if result.skipped:
                text += f"；{len(result.skipped)} 个网站已有此稿件，跳过（{'、'.join(result.skipped)}）"
            messages.success(request, text + "。")
            return redirect("network_sent")
    return render(
        request,
        "network/page_push.html",
        {
            "page_title": "下发",
            "page": page,
            "form": form,
            "header_icon": "download",
            "submit_text": "下发",
        },
    )
