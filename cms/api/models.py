from django.db import models


class ContentVersion(models.Model):
    """A counter bumped by every change to a site's content; cached API answers carry it in their key."""

    version = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "内容版本"
        verbose_name_plural = "内容版本"
