from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cms.accounts"
    label = "accounts"
    verbose_name = "用户"

    def ready(self) -> None:
        from axes.signals import user_locked_out

        from .throttling import log_lockout

        user_locked_out.connect(log_lockout, dispatch_uid="cms.accounts.log_lockout")
