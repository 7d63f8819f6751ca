from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .admin_views import AuditLogView


@hooks.register("register_admin_urls")
def register_audit_urls():
    return [
        path("audit/", AuditLogView.as_view(), name="audit_log"),
        path("audit/results/", AuditLogView.as_view(results_only=True), name="audit_log_results"),
    ]


class SuperuserMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.is_superuser


@hooks.register("register_reports_menu_item")
def register_audit_menu_item():
    return SuperuserMenuItem("审计日志", reverse("audit_log"), icon_name="history", order=900)
