"""Syndication in every site's admin: the 稿件报送与转载 menu, the page actions 报送上级 / 下发, and the
provenance of a copy shown on its edit page."""

from django.db import connection
from django.urls import path, reverse
from django.utils.html import format_html
from django_tenants.utils import get_public_schema_name
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.widgets import Button

from cms.media.origin import complete_url, public_origin
from sites.models import Association

from . import admin_views
from .models import Syndication


@hooks.register("register_admin_urls")
def register_syndication_urls():
    return [
        path("network/syndication/inbox/", admin_views.inbox_view, name="network_inbox"),
        path("network/syndication/inbox/<int:syndication_id>/accept/", admin_views.accept_view, name="network_accept"),
        path(
            "network/syndication/inbox/<int:syndication_id>/decline/", admin_views.decline_view, name="network_decline"
        ),
        path("network/syndication/received/", admin_views.received_view, name="network_received"),
        path("network/syndication/sent/", admin_views.sent_view, name="network_sent"),
        path("network/syndication/policy/", admin_views.policy_view, name="network_policy"),
        path(
            "network/syndication/pages/<int:page_id>/submit/", admin_views.page_submit_view, name="network_page_submit"
        ),
        path("network/syndication/pages/<int:page_id>/push/", admin_views.page_push_view, name="network_page_push"),
    ]


class SyndicationMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.can_syndicate(request.user)


@hooks.register("register_admin_menu_item")
def register_syndication_menu():
    items = [
        SyndicationMenuItem("收件箱", reverse("network_inbox"), name="syndication-inbox", icon_name="mail", order=10),
        SyndicationMenuItem(
            "已采用/已接收", reverse("network_received"), name="syndication-received", icon_name="download", order=20
        ),
        SyndicationMenuItem("我的报送", reverse("network_sent"), name="syndication-sent", icon_name="upload", order=30),
        SyndicationMenuItem(
            "转载设置", reverse("network_policy"), name="syndication-policy", icon_name="cog", order=40
        ),
    ]
    return SubmenuMenuItem("稿件报送与转载", Menu(items=items), name="syndication", icon_name="mail", order=160)


def _current_site():
    """The site whose admin is answering (hooks get no request; django-tenants keeps it on the connection)."""
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Association):
        return tenant
    return Association.objects.filter(schema_name=connection.schema_name).first()


def _submittable(page, user) -> bool:
    """A live, original content item the user may publish, on a site that has a parent to submit to."""
    from cms.pages.models import ContentPage

    specific_class = page.specific_class
    if specific_class is None or not issubclass(specific_class, ContentPage) or not page.live:
        return False
    if getattr(page.specific_deferred, "syndication_id", None):
        return False
    return page.permissions_for_user(user).can_publish()


def _may_submit_up(site) -> bool:
    """Whether the site has a parent to submit to (no query; the form lists the exact ancestors)."""
    return (
        site is not None
        and not site.archived_at
        and site.schema_name != get_public_schema_name()
        and bool(site.parent_id)
    )


def _may_push_down(site) -> bool:
    if site is None or site.archived_at:
        return False
    return site.schema_name == get_public_schema_name() or Association.objects.filter(parent=site).exists()


@hooks.register("register_page_header_buttons")
def syndication_page_buttons(page, user, view_name, next_url=None):
    """报送上级 and 下发 in the page's header menu, for a live original content item the user may publish."""
    if not _submittable(page, user):
        return
    site = _current_site()
    if _may_submit_up(site):
        yield Button("报送上级", reverse("network_page_submit", args=[page.pk]), icon_name="upload", priority=90)
    if _may_push_down(site):
        yield Button("下发", reverse("network_page_push", args=[page.pk]), icon_name="download", priority=91)


@hooks.register("register_page_listing_buttons")
def syndication_listing_button(page, user, next_url=None):
    """报送上级 as a visible button in the page explorer's row (beside 编辑), not in the row's "…" menu."""
    if _may_submit_up(_current_site()) and _submittable(page, user):
        yield Button(
            "报送上级",
            reverse("network_page_submit", args=[page.pk]),
            icon_name="upload",
            priority=15,
            attrs={"aria-label": f"将“{page.get_admin_display_title()}”报送上级"},
        )


@hooks.register("before_edit_page")
def offer_submission(request, page):
    """On the edit page of an item that can be submitted: 报送上级 as a visible button above the form."""
    if request.method != "GET" or not _submittable(page, request.user):
        return
    if not _may_submit_up(getattr(request, "tenant", None) or _current_site()):
        return
    messages.info(
        request,
        "本稿件已发布，可报送上级单位采用。",
        buttons=[(reverse("network_page_submit", args=[page.pk]), "报送上级", False)],
    )


@hooks.register("before_edit_page")
def show_provenance(request, page):
    """On a copy's edit page: the site it came from and its title, both linked, and whether it still matches."""
    if request.method != "GET" or not getattr(page, "syndication_id", None):
        return
    record = (
        Syndication.objects.filter(pk=page.syndication_id, target_site=request.tenant)
        .select_related("source_site")
        .first()
    )
    source = record.source_site if record is not None else None
    domain = source.primary_domain if source is not None else ""
    title = record.source_title if record is not None else page.title
    link = complete_url(page.source_url)
    text = format_html(
        "本页转载自{}的《{}》。",
        format_html(
            '<a href="{}" target="_blank" rel="noreferrer">{}</a>', public_origin(domain) + "/", page.source_site_name
        )
        if domain
        else page.source_site_name,
        format_html('<a href="{}" target="_blank" rel="noreferrer">{}</a>', link, title) if link else title,
    )
    buttons = [(link, "查看原文", True)] if link else []
    if record is not None and record.copy_state not in (Syndication.CopyState.NONE, Syndication.CopyState.IN_SYNC):
        messages.warning(request, format_html("{}请注意：{}。", text, record.get_copy_state_display()), buttons=buttons)
    else:
        messages.info(request, text, buttons=buttons)
