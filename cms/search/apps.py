from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "cms.search"
    label = "cms_search"
    verbose_name = "中文搜索"

    def ready(self):
        from . import signals  # noqa: F401 - index published pages at once
