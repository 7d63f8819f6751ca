"""The registry of every site in the network, in the public schema."""

from django.core.validators import RegexValidator
from django.db import models
from django_tenants.models import DomainMixin, TenantMixin

SLUG_PATTERN = r"^[a-z][a-z0-9-]{1,39}$"


class Association(TenantMixin):
    """One site of the network (a federation or association), in a schema of its own."""

    class Kind(models.TextChoices):
        CENTRAL = "central", "中央管理平台"
        NATIONAL_FEDERATION = "national_federation", "全国文联"
        NATIONAL_ASSOCIATION = "national_association", "全国文艺家协会"
        PROVINCIAL = "provincial", "省级文联"
        MUNICIPAL = "municipal", "市级文联"
        COUNTY = "county", "县级文联"

    name = models.CharField("名称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=30)
    slug = models.SlugField(
        "标识",
        max_length=40,
        unique=True,
        validators=[RegexValidator(SLUG_PATTERN, "标识须以小写字母开头，只含小写字母、数字和连字符，2 至 40 个字符。")],
    )
    kind = models.CharField("级别", max_length=30, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    region = models.CharField("地区", max_length=50, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    # Creating a schema is explicit (sites.services), never a side effect of save().
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        verbose_name = "网站"
        verbose_name_plural = "网站"
        ordering = ["id"]

    def __str__(self):
        return self.name

    @property
    def primary_domain(self) -> str | None:
        # Iterates .all() so that a prefetch of `domains` is used.
        return next((d.domain for d in self.domains.all() if d.is_primary), None)


class Domain(DomainMixin):
    class Meta:
        verbose_name = "域名"
        verbose_name_plural = "域名"
