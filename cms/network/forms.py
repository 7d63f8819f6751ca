"""Forms of the syndication admin: choices come from the caller (this site's sections, its ancestors or descendants)."""

from django import forms

from .models import SyndicationPolicy

PUBLISH, DRAFT = "publish", "draft"


class AcceptForm(forms.Form):
    section = forms.TypedChoiceField(
        label="采用到栏目",
        coerce=int,
        error_messages={
            "required": "请选择采用到哪个栏目。",
            "invalid_choice": "请选择本站的一个栏目。",
        },
    )
    action = forms.ChoiceField(
        label="处理方式",
        choices=[(PUBLISH, "发布"), (DRAFT, "存为草稿")],
        initial=PUBLISH,
        error_messages={"required": "请选择“发布”或“存为草稿”。"},
    )

    def __init__(self, *args, sections: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = [("", "请选择栏目")] + list(sections)


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="退回理由",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": "请填写退回理由，报送单位会看到它。"},
    )


class SubmitForm(forms.Form):
    target = forms.TypedChoiceField(
        label="报送给", coerce=int, widget=forms.RadioSelect, error_messages={"required": "请选择报送的上级网站。"}
    )
    note = forms.CharField(
        label="报送说明",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="选填，上级网站的编辑会看到。",
    )

    def __init__(self, *args, targets: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = list(targets)
        if len(targets) == 1:
            self.fields["target"].initial = targets[0][0]


class PushForm(forms.Form):
    ALL, CHOSEN = "all", "chosen"
    scope = forms.ChoiceField(
        label="下发范围",
        widget=forms.RadioSelect,
        initial=ALL,
        choices=[(ALL, "全部下级网站"), (CHOSEN, "只下发给下面勾选的网站")],
    )
    targets = forms.TypedMultipleChoiceField(
        label="下级网站", coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(label="下发说明", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, targets: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["targets"].choices = list(targets)

    def clean(self):
        data = super().clean()
        if data.get("scope") == self.CHOSEN and not data.get("targets"):
            raise forms.ValidationError("请勾选至少一个下级网站，或选择下发给全部下级网站。")
        return data


class PolicyForm(forms.Form):
    landing = forms.ChoiceField(
        label="下发内容的处理方式", choices=SyndicationPolicy.Landing.choices, widget=forms.RadioSelect
    )
    section = forms.TypedChoiceField(
        label="下发内容放入的栏目",
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": "请选择本站的一个栏目。"},
    )

    def __init__(self, *args, sections: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = [("", "默认：首页下的“转载”栏目（第一次下发时自动创建）")] + list(sections)
