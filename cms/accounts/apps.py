from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cms.accounts"
    label = "accounts"
    verbose_name = "用户"

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.db.models.signals import post_migrate
        from wagtail.admin.forms.auth import LoginForm
        from wagtail.admin.forms.workflows import WorkflowPageForm
        from wagtail.admin.views.account import NameEmailSettingsPanel
        from wagtail.users.forms import PagePermissionsForm

        from .permissions import rename_after_migrate
        from .throttling import log_lockout
        from .users_admin import FullNameAccountForm

        post_migrate.connect(rename_after_migrate, dispatch_uid="cms.accounts.rename_permissions")
        user_locked_out.connect(log_lockout, dispatch_uid="cms.accounts.log_lockout")
        # The account page's 姓名 panel: Wagtail lists its panels in the view and has no hook to replace
        # one, so the panel's form is swapped here (one 姓名 field, as on the user form).
        NameEmailSettingsPanel.form_class = FullNameAccountForm
        # Wagtail leaves these fields without a label, so Django shows the English field name.
        LoginForm.base_fields["password"].label = "密码"
        PagePermissionsForm.base_fields["page"].label = "页面"
        WorkflowPageForm.base_fields["page"].label = "页面"
