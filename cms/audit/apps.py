from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "cms.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from . import checks, receivers  # noqa: F401  (system checks and signal receivers register on import)

        receivers.install()
