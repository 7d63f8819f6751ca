"""舆情监测 in the central office's admin: sources, topics (rules), events with counts and handling, and
alerts on the dashboard. Sites' own admins show none of it (their schemas can see the public tables
through the search path, so every view refuses outside the public schema)."""

from django.db import connection
from django.urls import path, reverse
from django_tenants.utils import get_public_schema_name
from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import ListingButton
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from . import admin_views, selectors
from .models import Event, Source, Topic


def in_central_office() -> bool:
    return connection.schema_name == get_public_schema_name()


class CentralOfficePermissionPolicy(ModelPermissionPolicy):
    """Django's model permissions, in the central office's admin only."""

    def user_has_permission(self, user, action):
        return in_central_office() and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return in_central_office() and super().user_has_any_permission(user, actions)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return self.user_has_any_permission(user, actions)

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return self.model.objects.none()
        return self.model.objects.all()


class EventPermissionPolicy(CentralOfficePermissionPolicy):
    """Events come from matches: nobody adds one by hand."""

    def user_has_permission(self, user, action):
        return action != "add" and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return super().user_has_any_permission(user, [action for action in actions if action != "add"])


register_permission_policy(Source, CentralOfficePermissionPolicy(Source))
register_permission_policy(Topic, CentralOfficePermissionPolicy(Topic))
register_permission_policy(Event, EventPermissionPolicy(Event))


class SourceIndexView(generic.IndexView):
    def get_list_more_buttons(self, instance):
        buttons = list(super().get_list_more_buttons(instance))
        if instance.kind == Source.Kind.FEED and self.permission_policy.user_has_permission(
            self.request.user, "change"
        ):
            buttons.append(
                ListingButton(
                    "立即抓取", reverse("watch_source_fetch", args=[instance.pk]), icon_name="download", priority=5
                )
            )
        return buttons


class SourceViewSet(ModelViewSet):
    model = Source
    index_view_class = SourceIndexView
    icon = "link"
    menu_label = "监测来源"
    form_fields = ["name", "kind", "url", "enabled", "interval_minutes"]
    list_display = ["name", "kind", "url", "enabled", "status", "last_error", "last_fetched_at", "items_imported"]
    list_filter = ["kind", "status", "enabled"]
    inspect_view_enabled = True
    copy_view_enabled = False


class TopicViewSet(ModelViewSet):
    model = Topic
    icon = "tag"
    menu_label = "监测专题"
    form_fields = ["name", "rule", "enabled", "site", "window_hours", "threshold", "handlers", "handling_days"]
    list_display = ["name", "rule", "enabled", "threshold", "window_hours", "rule_error"]
    list_filter = ["enabled"]
    search_fields = ["name", "rule"]
    copy_view_enabled = False


class EventViewSet(ModelViewSet):
    model = Event
    icon = "warning"
    menu_label = "舆情事件"
    form_fields = ["handler", "deadline"]
    list_display = ["title", "topic", "stage", "match_count", "last_match_at", "deadline", "handler", "handling_link"]
    list_filter = ["stage", "topic"]
    search_fields = ["title"]
    inspect_view_enabled = True
    inspect_view_fields = [
        "title",
        "topic",
        "stage",
        "match_count",
        "started_at",
        "last_match_at",
        "alerted_at",
        "deadline",
        "handler",
    ]
    copy_view_enabled = False


class WatchGroup(ViewSetGroup):
    menu_label = "舆情监测"
    menu_icon = "view"
    menu_order = 170
    items = (SourceViewSet("watch_sources"), TopicViewSet("watch_topics"), EventViewSet("watch_events"))


@hooks.register("register_admin_viewset")
def register_watch_viewsets():
    return WatchGroup()


@hooks.register("register_admin_urls")
def register_watch_urls():
    return [
        path("watch/events/<int:event_id>/handle/", admin_views.handle_event, name="watch_event_handle"),
        path("watch/sources/<int:source_id>/fetch/", admin_views.fetch_source, name="watch_source_fetch"),
    ]


class AlertsPanel(Component):
    name = "watch_alerts"
    order = 50
    template_name = "watch/alerts_panel.html"

    def __init__(self, alerts):
        self.alerts = alerts

    def get_context_data(self, parent_context=None):
        return {"alerts": self.alerts}


@hooks.register("construct_homepage_panels")
def add_alerts_panel(request, panels):
    if not in_central_office():
        return
    alerts = selectors.unread_alerts(user=request.user)
    if alerts:
        panels.append(AlertsPanel(alerts))
