from django.apps import AppConfig


class SitesConfig(AppConfig):
    name = "sites"
    label = "sites"
    verbose_name = "网站群"

    def ready(self):
        from . import receivers, versioning  # noqa: F401 - signal receivers
