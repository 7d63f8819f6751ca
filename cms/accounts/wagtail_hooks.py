from django.urls import reverse
from wagtail import hooks


class _TwoFactorMenuItem:
    label = "两步验证"
    help_text = "用手机身份验证器为登录再加一道验证；管理员必须启用。"

    @property
    def url(self) -> str:
        return reverse("accounts_two_factor_setup")


@hooks.register("register_account_menu_item")
def two_factor_menu_item(request):
    return _TwoFactorMenuItem()
