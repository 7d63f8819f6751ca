"""The registry of every site in the network, in the public schema."""

from django.core.validators import RegexValidator
from django.db import models
from django_tenants.models import DomainMixin, TenantMixin

from .validators import validate_icp_number, validate_police_number, validate_site_code

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

    class State(models.TextChoices):
        PLANNED = "planned", "筹建中"
        RUNNING = "running", "运行中"
        ARCHIVED = "archived", "已归档"

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
    theme = models.CharField("网站模板", max_length=50, blank=True)
    theme_version = models.PositiveIntegerField("模板版本", null=True, blank=True)
    # Slug paths of the pages the theme installed ("about/contact"): upgrades add only what is new
    # and report, rather than recreate, what editors have since removed or renamed.
    theme_pages = models.JSONField("模板提供的页面", default=list, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    archived_at = models.DateTimeField("归档时间", null=True, blank=True)
    # Moved on by every change to the site's content (sites.versioning). It lives on the registry row
    # so that routing a request reads it in the same query: cached API answers key on it.
    content_version = models.BigIntegerField("内容版本", default=0, editable=False)

    # The registry's compliance data (网站管理办法), kept by the central office: the site's footer shows it.
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.RUNNING)
    sponsor = models.CharField("主办单位", max_length=200, blank=True)
    icp_number = models.CharField(
        "ICP备案号", max_length=50, blank=True, validators=[validate_icp_number], help_text="例如：京ICP备12345678号"
    )
    police_number = models.CharField(
        "公安备案号",
        max_length=50,
        blank=True,
        validators=[validate_police_number],
        help_text="14位数字，例如：京公网安备11010502000001号",
    )
    site_code = models.CharField(
        "网站标识码",
        max_length=10,
        blank=True,
        validators=[validate_site_code],
        help_text="6位行政区划代码加4位顺序号，或“bm”加8位数字",
    )
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=50, blank=True)
    contact_email = models.EmailField("联系邮箱", blank=True)
    launch_date = models.DateField("开通日期", null=True, blank=True)
    frontend_url = models.URLField("前端地址", blank=True, help_text="读者访问本站的地址")
    is_model = models.BooleanField("示范网站", default=False)

    # Creating a schema is explicit (sites.services), never a side effect of save().
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        verbose_name = "网站"
        verbose_name_plural = "网站"
        ordering = ["id"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # The content version is moved on only by an UPDATE of its own (sites.versioning), in the transaction
        # of the change: saving a row read before a publish must not write the older number back, or answers
        # kept under that number (older content) would be served again.
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name != "content_version"
            ]
        super().save(*args, **kwargs)

    @property
    def primary_domain(self) -> str | None:
        # Iterates .all() so that a prefetch of `domains` is used.
        return next((d.domain for d in self.domains.all() if d.is_primary), None)


class Domain(DomainMixin):
    class Meta:
        verbose_name = "域名"
        verbose_name_plural = "域名"


class SiteTemplate(models.Model):
    """A theme version built once into a schema and kept as SQL: new sites are made by replaying it.

    `fingerprint` names the migration state it was built at; a deploy with new
    migrations builds a new template on the next site creation.
    """

    theme = models.CharField(max_length=50)
    theme_version = models.PositiveIntegerField()
    fingerprint = models.CharField(max_length=16)
    schema_name = models.CharField(max_length=63, unique=True)
    sql = models.TextField()
    built_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "网站模板构建"
        verbose_name_plural = "网站模板构建"
        constraints = [
            models.UniqueConstraint(fields=["theme", "theme_version", "fingerprint"], name="one_template_per_state")
        ]

    def __str__(self):
        return f"{self.theme} v{self.theme_version} ({self.fingerprint})"


class SpareSchema(models.Model):
    """A schema already replayed from a template, waiting to become a site (renamed in its transaction)."""

    template = models.ForeignKey(SiteTemplate, on_delete=models.CASCADE, related_name="spares")
    schema_name = models.CharField(max_length=63, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "备用网站结构"
        verbose_name_plural = "备用网站结构"

    def __str__(self):
        return self.schema_name


class SiteCreation(models.Model):
    """A site creation asked for in the central office's admin and run by the worker: what was asked,
    how far it got, and how it ended (the admin's progress page reads it)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "进行中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    # name, short_name, slug, kind, domain, parent_id, region, theme, as the form gave them
    params = models.JSONField(default=dict)
    # The first administrator's password, hashed in the request; never stored in clear.
    admin_password_hash = models.CharField(max_length=256, blank=True)
    step = models.PositiveSmallIntegerField("步骤", default=0)
    steps = models.PositiveSmallIntegerField(default=3)
    message = models.CharField("进度", max_length=200, blank=True)
    error = models.TextField("错误", blank=True)
    site = models.ForeignKey(Association, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    requested_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "网站创建任务"
        verbose_name_plural = "网站创建任务"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.params.get('name', '')}：{self.get_status_display()}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
