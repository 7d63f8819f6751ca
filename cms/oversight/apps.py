from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "cms.oversight"
    label = "oversight"
    verbose_name = "网站监管"

    def ready(self):
        from . import signals  # noqa: F401 - keep scores current as sites publish
