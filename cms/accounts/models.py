from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A user of one site (or of the central office): users live in their site's schema."""

    display_name = models.CharField("显示名称", max_length=100, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
