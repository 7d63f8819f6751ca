from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "cms.api"
    label = "api"
    verbose_name = "GraphQL 接口"

    def ready(self):
        from . import images  # noqa: F401 - clear errors for rendition filters, before grapple builds its schema
        from .blocks import register_block_types
        from .pages.lists import patch_positive_int

        patch_positive_int()  # before grapple builds its schema: huge offsets get a clear refusal

        register_block_types()
