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
