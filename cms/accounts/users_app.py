"""The app config settings install in place of "wagtail.users" (its own module: apps.py keeps one config)."""

from wagtail.users.apps import WagtailUsersAppConfig


class UsersConfig(WagtailUsersAppConfig):
    """wagtail.users with the 姓名 user forms; settings install it in place of "wagtail.users"."""

    user_viewset = "cms.accounts.users_admin.FullNameUserViewSet"
