import re

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def joined_name(*, given: str, family: str) -> str:
    """One name from 名/姓: Chinese family name first without a space (王 + 小明 = 王小明), others "given family"."""
    given, family = given.strip(), family.strip()
    if not given or not family:
        return given or family
    if CJK.search(given) or CJK.search(family):
        return f"{family}{given}"
    return f"{given} {family}"


class User(AbstractUser):
    """A user of one site (or of the central office): users live in their site's schema."""

    # One name, written as the person writes it (王小明, or Anna Schmidt): no 名/姓 split, no reordering.
    # Django's first_name/last_name columns stay (Wagtail and Django read them) but forms no longer ask them.
    full_name = models.CharField("姓名", max_length=150, blank=True)

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

    def save(self, *args, **kwargs):
        # A user made elsewhere with 名/姓 (createsuperuser, an import) gets them joined as their full name.
        if not self.full_name.strip() and (self.first_name.strip() or self.last_name.strip()):
            self.full_name = joined_name(given=self.first_name, family=self.last_name)[:150]
        # Wagtail reads first_name in a few places (the sidebar's account menu): it holds the full name too.
        if self.full_name.strip():
            self.first_name = self.full_name.strip()[:150]
        if kwargs.get("update_fields") is not None and "full_name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "first_name"}
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.full_name.strip()

    def get_short_name(self) -> str:
        return self.full_name.strip() or self.get_username()
