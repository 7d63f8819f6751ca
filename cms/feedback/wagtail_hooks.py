"""意见建议办理 in every site's admin: inbox, campaigns and their reports, figures; the channel's permissions."""

from django.contrib.auth.models import Permission
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from . import admin_views, selectors, views
from .models import ChannelPage


@hooks.register("register_admin_urls")
def register_feedback_urls():
    return [
        path("opinions/", admin_views.inbox_view, name="feedback_inbox"),
        path("opinions/bulk-reply/", admin_views.bulk_reply_view, name="feedback_bulk_reply"),
        path("opinions/<int:opinion_id>/", admin_views.detail_view, name="feedback_detail"),
        path("opinions/<int:opinion_id>/action/", admin_views.action_view, name="feedback_action"),
        path("opinions/attachments/<int:attachment_id>/", admin_views.attachment_view, name="feedback_attachment"),
        path("opinions/figures/", admin_views.figures_view, name="feedback_figures"),
        path("opinions/campaigns/", admin_views.campaigns_view, name="feedback_campaigns"),
        path("opinions/campaigns/<int:page_id>/report/", admin_views.draft_report_view, name="feedback_draft_report"),
    ]


class HandlerMenuItem(MenuItem):
    def is_shown(self, request):
        return selectors.can_handle(request.user)


@hooks.register("register_admin_menu_item")
def register_feedback_menu():
    items = [
        HandlerMenuItem("收件箱", reverse("feedback_inbox"), name="opinions-inbox", icon_name="mail", order=10),
        HandlerMenuItem(
            "征集与征求意见稿", reverse("feedback_campaigns"), name="opinions-campaigns", icon_name="doc-full", order=20
        ),
        HandlerMenuItem("统计", reverse("feedback_figures"), name="opinions-figures", icon_name="table", order=30),
    ]
    return SubmenuMenuItem("意见建议办理", Menu(items=items), name="opinions", icon_name="mail", order=170)


@hooks.register("register_permissions")
def register_feedback_permissions():
    return Permission.objects.filter(
        content_type__app_label="feedback",
        codename__in=["handle_opinion", "view_personal_data", "receive_escalation"],
    )


@hooks.register("before_serve_page")
def serve_channel(page, request, serve_args, serve_kwargs):
    """A campaign or the mailbox in the built-in rendering: the plain form, the code lookup, the Q&A."""
    if isinstance(page, ChannelPage):
        return views.channel_page(request, page)
    return None
