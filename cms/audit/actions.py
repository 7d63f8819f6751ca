"""Chinese names of the actions recorded. Wagtail's own actions (wagtail.publish, ...) are named by
Wagtail's log action registry; anything else unknown shows its code."""

from __future__ import annotations

ACTION_LABELS = {
    "auth.login": "登录",
    "auth.login_failed": "登录失败",
    "auth.logout": "退出登录",
    "auth.second_factor": "两步验证通过",
    "auth.second_factor_failed": "两步验证失败",
    "permission.denied": "拒绝访问",
    "screening.override": "敏感词放行",
    "lexicon.add": "词库新增",
    "lexicon.update": "词库修改",
    "lexicon.remove": "词库删除",
    "lexicon.import": "词库导入",
    "site.create": "创建网站",
    "site.archive": "归档网站",
    "site.unarchive": "恢复网站服务",
    "site.delete": "删除网站",
    "site.backup": "备份网站",
    "site.restore": "恢复网站",
    "syndication.submitted": "报送",
    "syndication.accepted": "采用报送",
    "syndication.declined": "退回报送",
    "syndication.pushed": "下发",
    "syndication.delivered": "下发送达",
    "audit.purge": "清理过期审计日志",
}


def action_label(action: str) -> str:
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    if action.startswith("lexicon."):
        return f"词库变更（{action.removeprefix('lexicon.')}）"
    if action.startswith("syndication."):
        return f"转载（{action.removeprefix('syndication.')}）"
    if action.startswith("wagtail."):
        from wagtail.log_actions import registry

        try:
            return str(registry.get_action_label(action))
        except KeyError:
            return action
    return action


def known_actions() -> list[tuple[str, str]]:
    """Ours and Wagtail's, for the admin's filter (no pass over the log to find them)."""
    from wagtail.log_actions import registry

    actions = dict(ACTION_LABELS)
    actions.update((code, str(label)) for code, label in registry.get_choices() if code.startswith("wagtail."))
    return sorted(actions.items(), key=lambda item: item[1])
