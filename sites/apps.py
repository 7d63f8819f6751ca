from django.apps import AppConfig

# Wagtail's 网站 list (settings → 网站) labels these columns with the English field names, untranslatable.
WAGTAIL_SITE_COLUMN_LABELS = {"port": "端口", "site_name": "网站名称", "root_page": "根页面"}


class SitesConfig(AppConfig):
    name = "sites"
    label = "sites"
    verbose_name = "网站群"

    def ready(self):
        from wagtail.sites.views import IndexView

        from . import receivers, versioning  # noqa: F401 - signal receivers

        for column in IndexView.columns:
            column.label = WAGTAIL_SITE_COLUMN_LABELS.get(column.name, column.label)
