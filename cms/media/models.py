from django.db import models
from wagtail.documents.models import AbstractDocument
from wagtail.documents.models import Document as WagtailDocument
from wagtail.images.models import AbstractImage, AbstractRendition
from wagtail.images.models import Image as WagtailImage

from .origin import request_origin


class SiteImage(AbstractImage):
    caption = models.CharField("图片说明", max_length=255, blank=True)
    credit = models.CharField("图片来源", max_length=255, blank=True)

    admin_form_fields = WagtailImage.admin_form_fields + ("caption", "credit")

    class Meta(AbstractImage.Meta):
        verbose_name = "图片"
        verbose_name_plural = "图片"


class SiteRendition(AbstractRendition):
    image = models.ForeignKey(SiteImage, on_delete=models.CASCADE, related_name="renditions")

    class Meta:
        unique_together = (("image", "filter_spec", "focal_point_key"),)


class SiteDocument(AbstractDocument):
    admin_form_fields = WagtailDocument.admin_form_fields

    @property
    def url(self):
        # Absolute on the requesting site's own host, like images (see sites.storage).
        url = super().url
        origin = request_origin.get()
        return f"{origin}{url}" if origin and url.startswith("/") else url

    class Meta(AbstractDocument.Meta):
        verbose_name = "文档"
        verbose_name_plural = "文档"
