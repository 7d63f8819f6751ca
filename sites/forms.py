from django import forms

from themes.blueprint import available_themes, get_theme

from .models import Association


class NewSiteForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100)
    short_name = forms.CharField(label="简称", max_length=30)
    slug = forms.CharField(label="标识", max_length=40, help_text="小写字母开头，只含小写字母、数字和连字符，用作数据库 schema 名。")
    kind = forms.ChoiceField(label="级别", choices=[c for c in Association.Kind.choices if c[0] != Association.Kind.CENTRAL])
    parent = forms.ModelChoiceField(
        label="上级", required=False, queryset=Association.objects.exclude(kind=Association.Kind.CENTRAL).order_by("id"),
    )
    region = forms.CharField(label="地区", max_length=50, required=False)
    domain = forms.CharField(label="域名", max_length=253)
    theme = forms.ChoiceField(label="网站模板", required=False)
    admin_password = forms.CharField(
        label="管理员密码", required=False, widget=forms.PasswordInput, help_text="填写则为新网站创建用户名为 admin 的管理员。"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [("", "按级别选择默认模板")] + [
            (name, f"{get_theme(name).title}（{name} v{get_theme(name).version}）") for name in available_themes()
        ]
