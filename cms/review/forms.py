"""Forms of the screening and review admin (labels and errors in Chinese)."""

from django import forms

from .lexicon_io import MAX_CATEGORY_CHARS, MAX_WORD_CHARS
from .models import Level, LexiconEntry, ReviewPolicy

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class EntryForm(forms.Form):
    word = forms.CharField(label="词语", max_length=MAX_WORD_CHARS)
    category = forms.CharField(label="类别", max_length=MAX_CATEGORY_CHARS, required=False)
    level = forms.ChoiceField(label="级别", choices=Level.choices, initial=Level.BLOCK)
    kind = forms.ChoiceField(label="类型", choices=LexiconEntry.Kind.choices, initial=LexiconEntry.Kind.WORD)


class ImportForm(forms.Form):
    file = forms.FileField(
        label="词库文件", help_text="CSV（表头：词语,类别,级别,类型）或 TXT（每行一条，各列以制表符分隔），UTF-8 编码。"
    )
    category = forms.CharField(
        label="默认类别", max_length=MAX_CATEGORY_CHARS, required=False, help_text="文件中未写类别的词语归入此类。"
    )
    level = forms.ChoiceField(label="默认级别", choices=Level.choices, initial=Level.BLOCK)
    replace = forms.BooleanField(label="以文件替换本词库（删除文件中没有的词语）", required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not name.endswith((".csv", ".txt")):
            raise forms.ValidationError("请上传 .csv 或 .txt 文件。")
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"文件过大：最多 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB。")
        return upload


class OverrideForm(forms.Form):
    reason = forms.CharField(label="放行理由", widget=forms.Textarea(attrs={"rows": 3}), min_length=5, max_length=2000)


class PolicyForm(forms.Form):
    levels = forms.TypedChoiceField(label="审核级别", choices=ReviewPolicy.Levels.choices, coerce=int)
    proofreading = forms.BooleanField(label="启用校对步骤（校）", required=False)
    overdue_working_days = forms.IntegerField(
        label="超期天数（工作日）", min_value=1, max_value=60, help_text="一个步骤等待超过这么多个工作日即标为超期。"
    )
