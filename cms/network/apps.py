from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "cms.network"
    label = "network"
    verbose_name = "一张网"

    def ready(self):
        from . import signals  # noqa: F401 - keep the national index and copies current
