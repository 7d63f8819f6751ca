from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "cms.review"
    label = "review"
    verbose_name = "内容安全"

    def ready(self):
        from . import publishing

        publishing.install()  # screening at the one point every publish goes through
