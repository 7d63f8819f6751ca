"""Wagtail's user admin with one 姓名 field instead of 名/姓 (shown as written, never as "编辑 王")."""

from django import forms
from wagtail.admin.forms.account import NameEmailForm
from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views.users import UserViewSet

from .models import User

FULL_NAME_HELP = "按本人习惯完整填写，例如：王小明。"


def _full_name_field() -> forms.CharField:
    return forms.CharField(label="姓名", max_length=150, required=True, help_text=FULL_NAME_HELP)


class FullNameCreationForm(UserCreationForm):
    first_name = None
    last_name = None
    full_name = _full_name_field()

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "email", "full_name", "is_superuser", "groups"]


class FullNameEditForm(UserEditForm):
    first_name = None
    last_name = None
    full_name = _full_name_field()

    class Meta(UserEditForm.Meta):
        model = User
        fields = ["username", "email", "full_name", "is_active", "is_superuser", "groups"]


class FullNameAccountForm(NameEmailForm):
    """The 姓名 panel of a user's own account page."""

    first_name = None
    last_name = None
    full_name = _full_name_field()

    class Meta(NameEmailForm.Meta):
        model = User
        fields = ["full_name", "email"]


class FullNameUserViewSet(UserViewSet):
    create_template_name = "accounts/users/create.html"
    edit_template_name = "accounts/users/edit.html"

    def get_form_class(self, for_update=False):
        return FullNameEditForm if for_update else FullNameCreationForm
