"""The inspection indicators: defaults and how each is evaluated over a site's precomputed facts.

Each evaluator takes the rule (its threshold, weight, keywords as the central office set them) and a
`SiteFacts`, and returns the offending items (an empty list passes), or None when the rule cannot be
evaluated (no facts gathered for it). Evaluators only read facts already gathered in the public schema:
nothing here touches a site's schema.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

from cms.feedback.selectors import unanswered_over

from .models import InspectionRule

REGISTRY_FIELDS = {
    "sponsor": "主办单位",
    "icp_number": "ICP备案号",
    "police_number": "公安备案号",
    "site_code": "网站标识码",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
}

# code, name, kind, threshold, weight, deduction, keywords, description
DEFAULT_RULES = [
    ("home_fresh", "首页更新", "veto", 14, 0, 0, "", "网站最新发布的内容距今超过阈值天数（默认2周）即单项否决。"),
    (
        "news_cadence",
        "动态类栏目按期更新",
        "veto",
        0,
        0,
        0,
        "",
        "动态、要闻等栏目超过其声明的更新周期（栏目的“更新周期（天）”）未更新即单项否决；政策文件类栏目另计。",
    ),
    (
        "policy_cadence",
        "政策文件类栏目更新",
        "veto",
        180,
        0,
        0,
        "政策、法规、文件、规章、制度、公开",
        "标题含关键词的栏目超过阈值天数（默认6个月）未更新即单项否决。",
    ),
    ("blank_sections", "空白栏目", "veto", 5, 0, 0, "", "没有任何内容的栏目超过阈值个数（默认5个）即单项否决。"),
    (
        "stale_sections",
        "栏目长期未更新",
        "scored",
        365,
        20,
        5,
        "",
        "有内容但超过阈值天数（默认1年）未更新的栏目，每个扣分。",
    ),
    (
        "overdue_opinions",
        "意见建议超期未回复",
        "veto",
        90,
        0,
        0,
        "",
        "收到的意见建议超过阈值天数（默认3个月）未回复即单项否决（由意见建议征集提供数据）。",
    ),
    ("broken_links", "链接可用性", "scored", 0, 30, 1, "", "每个无法访问、超时或跳转到其他域名的链接和图片扣分。"),
    ("registry_complete", "登记信息完整", "scored", 0, 20, 5, "", "主办单位、备案号、标识码和联系人每缺一项扣分。"),
]


@dataclass
class SectionFacts:
    section_id: int
    title: str
    url: str
    cadence_days: int
    has_subsections: bool
    item_count: int
    last_item_at: datetime.datetime | None


@dataclass
class SiteFacts:
    site: object  # sites.Association
    today: datetime.date
    last_update: datetime.datetime | None
    sections: list[SectionFacts] = field(default_factory=list)
    problem_links: list[str] = field(default_factory=list)
    overdue_opinions: int | None = None


def _age_days(moment: datetime.datetime | None, today: datetime.date) -> int | None:
    if moment is None:
        return None
    # The site's calendar day (TIME_ZONE), as `today` is: a late-evening publish is that day's.
    return (today - (timezone.localtime(moment).date() if moment.tzinfo else moment.date())).days


def _keywords(rule) -> list[str]:
    return [word for word in re.split(r"[、,，\s]+", rule.keywords or "") if word]


def _policy_rule_keywords(facts: SiteFacts, rules_by_code) -> list[str]:
    policy = rules_by_code.get("policy_cadence")
    if policy is None:  # evaluated alone: the default keywords tell policy sections apart
        policy = InspectionRule(keywords=next(row[6] for row in DEFAULT_RULES if row[0] == "policy_cadence"))
    return _keywords(policy)


def is_policy(section: SectionFacts, keywords: list[str]) -> bool:
    return any(word in section.title for word in keywords)


def _content_sections(facts: SiteFacts) -> list[SectionFacts]:
    return [s for s in facts.sections if s.item_count]


def home_fresh(rule, facts, rules_by_code):
    age = _age_days(facts.last_update, facts.today)
    if age is None:
        return ["网站尚无发布内容"]
    return [f"最近一次更新在 {age} 天前"] if age > rule.threshold else []


def news_cadence(rule, facts, rules_by_code):
    keywords = _policy_rule_keywords(facts, rules_by_code)
    failing = []
    for section in _content_sections(facts):
        if is_policy(section, keywords):
            continue
        age = _age_days(section.last_item_at, facts.today)
        if age is not None and age > section.cadence_days:
            failing.append(f"{section.title}：{age} 天未更新（更新周期 {section.cadence_days} 天）")
    return failing


def policy_cadence(rule, facts, rules_by_code):
    keywords = _keywords(rule)
    failing = []
    for section in _content_sections(facts):
        age = _age_days(section.last_item_at, facts.today)
        if is_policy(section, keywords) and age is not None and age > rule.threshold:
            failing.append(f"{section.title}：{age} 天未更新")
    return failing


def blank_sections(rule, facts, rules_by_code):
    blank = [f"{s.title}：空白栏目" for s in facts.sections if not s.item_count and not s.has_subsections]
    return blank if len(blank) > rule.threshold else []


def stale_sections(rule, facts, rules_by_code):
    failing = []
    for section in _content_sections(facts):
        age = _age_days(section.last_item_at, facts.today)
        if age is not None and age > rule.threshold:
            failing.append(f"{section.title}：{age} 天未更新")
    return failing


def overdue_opinions(rule, facts, rules_by_code):
    if facts.overdue_opinions is None:
        return None
    return [f"{facts.overdue_opinions} 条意见建议超期未回复"] if facts.overdue_opinions else []


def broken_links(rule, facts, rules_by_code):
    return list(facts.problem_links)


def registry_complete(rule, facts, rules_by_code):
    return [f"缺少{label}" for name, label in REGISTRY_FIELDS.items() if not getattr(facts.site, name)]


EVALUATORS: dict[str, Callable] = {
    "home_fresh": home_fresh,
    "news_cadence": news_cadence,
    "policy_cadence": policy_cadence,
    "blank_sections": blank_sections,
    "stale_sections": stale_sections,
    "overdue_opinions": overdue_opinions,
    "broken_links": broken_links,
    "registry_complete": registry_complete,
}


def register_evaluator(code: str, evaluator: Callable) -> None:
    """Add (or replace) how a rule is evaluated; the rule row itself is added by a migration."""
    EVALUATORS[code] = evaluator


def overdue_opinion_counts(site_ids: list[int], today: datetime.date, days: int) -> dict[int, int]:
    """Opinions unanswered for over `days`, per site, from the opinions channel's public receipts."""
    return unanswered_over(site_ids=site_ids, today=today, days=days)


@dataclass
class Result:
    passed: bool
    score: int
    failing: list[dict]


def evaluate(rules, facts: SiteFacts) -> Result:
    """Apply every enabled rule: a failed veto rule fails the site; scored rules take points off 100."""
    rules_by_code = {rule.code: rule for rule in rules}
    passed, score, failing = True, 100, []
    for rule in rules:
        evaluator = EVALUATORS.get(rule.code)
        if not rule.enabled or evaluator is None:
            continue
        items = evaluator(rule, facts, rules_by_code)
        if not items:  # passed, or None: not evaluated (no data source yet)
            continue
        lost = 0
        if rule.kind == "veto":
            passed = False
        else:
            lost = min(rule.weight, rule.deduction * len(items))
            score -= lost
        failing.append(
            {
                "code": rule.code,
                "name": rule.name,
                "kind": rule.kind,
                "count": len(items),
                "lost": lost,
                "items": items[:50],
            }
        )
    return Result(passed=passed, score=max(score, 0), failing=failing)
