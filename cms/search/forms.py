from django import forms

from cms.network.models import CONTENT_TYPES
from cms.pages.taxonomy import ArtForm
from sites.models import Association

TYPE_NAMES = {"article": "文章", "notice": "通知公告", "event": "活动", "profile": "艺术家", "work": "作品"}


class NetworkSearchForm(forms.Form):
    q = forms.CharField(label="搜索词", max_length=200, required=False)
    kind = forms.ChoiceField(label="级别", required=False, choices=[("", "全部级别"), *Association.Kind.choices])
    region = forms.CharField(label="地区", max_length=50, required=False)
    type = forms.ChoiceField(
        label="类型", required=False, choices=[("", "全部类型"), *((t, TYPE_NAMES[t]) for t in CONTENT_TYPES)]
    )
    art_form = forms.ChoiceField(label="艺术门类", required=False, choices=[("", "全部门类"), *ArtForm.choices])
