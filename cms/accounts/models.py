from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower


class User(AbstractUser):
    """A user of one site (or of the central office): users live in their site's schema."""

    display_name = models.CharField("显示名称", max_length=100, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        constraints = [
            # `Admin` beside `admin` invites impersonation (and login throttling folds case anyway).
            models.UniqueConstraint(
                Lower("username"),
                name="username_unique_ignoring_case",
                violation_error_message="已有同名用户（用户名不区分大小写）。",
            ),
        ]
