from django import forms

from themes.blueprint import available_themes, get_theme

from .models import Association
from .widgets import SiteTreeChoiceField


class NewSiteForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100)
    short_name = forms.CharField(label="简称", max_length=30)
    slug = forms.CharField(
        label="标识", max_length=40, help_text="小写字母开头，只含小写字母、数字和连字符，用作数据库中的模式名。"
    )
    kind = forms.ChoiceField(
        label="级别", choices=[c for c in Association.Kind.choices if c[0] != Association.Kind.CENTRAL]
    )
    parent = SiteTreeChoiceField(
        label="上级",
        required=False,
        queryset=Association.objects.exclude(kind=Association.Kind.CENTRAL).order_by("id"),
    )
    region = forms.CharField(label="地区", max_length=50, required=False)
    domain = forms.CharField(label="域名", max_length=253)
    theme = forms.ChoiceField(label="网站模板", required=False)
    admin_password = forms.CharField(
        label="管理员密码",
        required=False,
        widget=forms.PasswordInput,
        strip=False,
        help_text="为新网站创建用户名为 admin 的管理员；至少 12 个字符，不能是常见密码或纯数字。",
    )
    no_admin = forms.BooleanField(
        label="不创建管理员", required=False, help_text="勾选则新网站暂无管理员，之后另行创建。"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [("", "按级别选择默认模板")] + [
            (name, f"{get_theme(name).title}（{name} v{get_theme(name).version}）") for name in available_themes()
        ]

    def clean(self):
        data = super().clean()
        if data.get("no_admin") and data.get("admin_password"):
            self.add_error("admin_password", "已勾选“不创建管理员”，请清空管理员密码，或取消勾选。")
        elif not data.get("no_admin") and not data.get("admin_password"):
            self.add_error("admin_password", "请填写管理员密码；如确实不需要管理员，请勾选“不创建管理员”。")
        return data


class RegistryForm(forms.ModelForm):
    """The central office's registry data of one site (名称、级别与备案信息); the slug and schema never change here."""

    frontend_url = forms.URLField(
        label="前端地址", required=False, assume_scheme="https", help_text="读者访问本站的地址"
    )

    class Meta:
        model = Association
        fields = [
            "name",
            "short_name",
            "kind",
            "parent",
            "region",
            "state",
            "sponsor",
            "icp_number",
            "police_number",
            "site_code",
            "contact_name",
            "contact_phone",
            "contact_email",
            "launch_date",
            "frontend_url",
            "is_model",
        ]
        widgets = {"launch_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [c for c in Association.Kind.choices if c[0] != Association.Kind.CENTRAL]
        self.fields["parent"].queryset = (
            Association.objects.exclude(kind=Association.Kind.CENTRAL).exclude(pk=self.instance.pk).order_by("id")
        )
        # Archiving has its own action (it takes the site offline); the form keeps the other two states.
        self.fields["state"].choices = [c for c in Association.State.choices if c[0] != Association.State.ARCHIVED]
        if self.instance.archived_at:
            self.fields["state"].choices = Association.State.choices
            self.fields["state"].disabled = True
