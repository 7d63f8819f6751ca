"""Permission names in Chinese. Django stores them in English when it creates them after `migrate`
("Can add group"), and Wagtail's group form shows them as stored; they are renamed after every migrate."""

from django.utils import translation

VERBS = {"add": "添加", "change": "修改", "delete": "删除", "view": "查看", "choose": "选用"}
# Wagtail's own permissions whose names are not "Can <verb> <model>".
NAMED = {
    "access_admin": "可以进入管理后台",
    "bulk_delete_page": "删除含子页面的页面",
    "lock_page": "锁定/解锁自己锁定的页面",
    "publish_page": "发布任何页面",
    "unlock_page": "解锁任何页面",
}


def chinese_name(*, codename: str, model) -> str | None:
    if codename in NAMED:
        return NAMED[codename]
    verb, _, model_name = codename.partition("_")
    if verb in VERBS and model is not None and model_name == model._meta.model_name:
        with translation.override("zh-hans"):
            return f"可以{VERBS[verb]}{model._meta.verbose_name}"
    return None


def rename_permissions(*, using: str = "default") -> int:
    """Give every permission of the current schema its Chinese name; the number renamed."""
    from django.contrib.auth.models import Permission

    renamed = []
    for permission in Permission.objects.using(using).select_related("content_type"):
        name = chinese_name(codename=permission.codename, model=permission.content_type.model_class())
        if name and permission.name != name:
            permission.name = name[:255]
            renamed.append(permission)
    Permission.objects.using(using).bulk_update(renamed, ["name"])
    return len(renamed)


def rename_after_migrate(sender, using="default", **kwargs) -> None:
    # Django's handler (create_permissions) runs first for each app; this one renames once, after the last app.
    from django.apps import apps

    # (Django sends post_migrate only for apps that have a models module.)
    last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
    if sender.label == last.label:
        rename_permissions(using=using)
