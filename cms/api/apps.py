from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "cms.api"
    label = "api"
    verbose_name = "GraphQL 接口"

    def ready(self):
        from . import images  # noqa: F401 - clear errors for rendition filters, before grapple builds its schema
        from .blocks import register_block_types

        register_block_types()
