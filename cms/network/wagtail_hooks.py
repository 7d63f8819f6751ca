"""Syndication in every site's admin: the 稿件报送与转载 menu, the page actions 报送上级 / 下发, and the
provenance of a copy shown on its edit page."""

from django.db import connection
from django.urls import path, reverse
from django_tenants.utils import get_public_schema_name
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.widgets import Button

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


@hooks.register("register_page_header_buttons")
def syndication_page_buttons(page, user, view_name, next_url=None):
    """报送上级 and 下发 in the page's header menu, for a live original content item the user may publish."""
    from cms.pages.models import ContentPage

    specific_class = page.specific_class
    if specific_class is None or not issubclass(specific_class, ContentPage) or not page.live:
        return
    if getattr(page.specific_deferred, "syndication_id", None):
        return
    if not page.permissions_for_user(user).can_publish():
        return
    site = _current_site()
    if site is None or site.archived_at:
        return
    # Cheap checks here (one page header); the forms list the exact ancestors and descendants.
    public = get_public_schema_name()
    if site.schema_name != public and site.parent_id:
        yield Button("报送上级", reverse("network_page_submit", args=[page.pk]), icon_name="upload", priority=90)
    if site.schema_name == public or Association.objects.filter(parent=site).exists():
        yield Button("下发", reverse("network_page_push", args=[page.pk]), icon_name="download", priority=91)


@hooks.register("before_edit_page")
def show_provenance(request, page):
    """On a copy's edit page: where it came from, and whether it still matches its source."""
    if request.method != "GET" or not getattr(page, "syndication_id", None):
        return
    record = Syndication.objects.filter(pk=page.syndication_id, target_site=request.tenant).first()
    text = (
        f"本页转载自“{page.source_site_name}”。来源地址：{page.source_url or '—'}；"
        f"规范地址：{page.canonical_url or '—'}。"
    )
    buttons = [(page.source_url, "查看来源", True)] if page.source_url else []
    if record is not None and record.copy_state not in (Syndication.CopyState.NONE, Syndication.CopyState.IN_SYNC):
        messages.warning(request, f"{text}请注意：{record.get_copy_state_display()}。", buttons=buttons)
    else:
        messages.info(request, text, buttons=buttons)
