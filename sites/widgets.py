"""The 上级 picker of the site creation form: the registry as a tree, with a search box (no external assets)."""

from django import forms
from django.utils.choices import CallableChoiceIterator

from .models import Association
from .selectors import site_tree


class SiteTreeSelect(forms.Select):
    """A list box of the sites, indented by level, each option carrying its path for the search box."""

    template_name = "sites/widgets/site_tree_select.html"

    def __init__(self, attrs=None):
        super().__init__(attrs={"size": 12, **(attrs or {})})
        self.paths: dict[str, str] = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        path = self.paths.get(str(value))
        if path:
            option["attrs"]["data-path"] = path
        return option


class SiteTreeChoiceField(forms.ModelChoiceField):
    widget = SiteTreeSelect

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_label", "（无上级）")
        super().__init__(*args, **kwargs)

    def _tree_choices(self):
        kinds = dict(Association.Kind.choices)
        choices = [("", self.empty_label)] if self.empty_label is not None else []
        self.widget.paths = {}
        for site, depth, path in site_tree(queryset=self.queryset):
            indent = "\u3000" * depth + ("└ " if depth else "")
            choices.append((site.pk, f"{indent}{site.name}（{kinds.get(site.kind, site.kind)}）"))
            self.widget.paths[str(site.pk)] = " › ".join(path)
        return choices

    def _get_choices(self):
        # Read when the widget renders, not when the form class is defined.
        return CallableChoiceIterator(self._tree_choices)

    choices = property(_get_choices, forms.ChoiceField.choices.fset)
