from django.apps import AppConfig


class WatchConfig(AppConfig):
    name = "cms.watch"
    label = "watch"
    verbose_name = "舆情监测"

    def ready(self):
        from . import signals  # noqa: F401 - follow the national index
