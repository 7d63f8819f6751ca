"""Review that cannot be passed alone: each step refuses the submitter, the last editor and whoever
passed another step of the same run; a distinct reviewer passes; the central office chooses the levels."""

import pytest
from django.core.management import call_command
from django_tenants.utils import schema_context
from wagtail.models import TaskState

from cms.accounts.models import User
from cms.review.models import ReviewPolicy
from cms.review.workflow.models import ApprovalRefused, ReviewTask
from cms.review.workflow.services import PolicyError, set_review_policy
from tests.review.workflow_helpers import review_site


def active_steps(site):
    with schema_context(site.schema_name):
        return list(
            ReviewTask.objects.filter(active=True).order_by("workflow_tasks__sort_order").values_list("name", flat=True)
        )


@pytest.fixture
def three_levels(gamma):
    """三审 without the 校 steps: 初审 (编辑), 复审 (审核), 终审 (审核)."""
    reviewed = review_site(gamma)
    set_review_policy(site=gamma, actor="central", levels=3, proofreading=False)
    return reviewed


def test_the_submitter_is_refused_at_every_step_even_as_a_superuser(gamma, three_levels):
    # given an article the writer submitted, and another submitted by the site's superuser
    article = three_levels.submit("自审稿件")
    # when the writer (a member of 初审's group) approves 初审 himself
    with pytest.raises(ApprovalRefused, match="送审人"):
        three_levels.approve(article, "writer")
    # then the step is still waiting and the approve action is not even offered to him
    state, task = three_levels.current(article)
    assert (task.name, state.status) == ("初审", TaskState.STATUS_IN_PROGRESS)
    with schema_context(gamma.schema_name):
        assert task.get_actions(state.workflow_state.content_object, three_levels.user("writer")) == []
        assert not task.get_task_states_user_can_moderate(three_levels.user("writer")).exists()
    # and at the later steps too (he is made a member of every group): refused each time
    with schema_context(gamma.schema_name):
        from django.contrib.auth.models import Group

        three_levels.user("writer").groups.add(*Group.objects.filter(name__in=["审核", "校对"]))
    three_levels.approve(article, "editor")
    with pytest.raises(ApprovalRefused, match="送审人"):
        three_levels.approve(article, "writer")
    three_levels.approve(article, "chief")
    with pytest.raises(ApprovalRefused, match="送审人"):
        three_levels.approve(article, "writer")
    # a superuser who submits is held to the same rule
    with schema_context(gamma.schema_name):
        superuser = User.objects.get(username="admin")
    three_levels.users["admin"] = superuser
    own = three_levels.submit("管理员的稿件", by="admin")
    with pytest.raises(ApprovalRefused, match="送审人"):
        three_levels.approve(own, "admin")


def test_the_last_editor_is_refused_and_the_author_of_the_handed_over_revision_too(gamma, three_levels):
    # given a draft written by editor2 and submitted by the writer
    article = three_levels.submit("代交稿件", by="writer", author="editor2")
    # then editor2, who wrote the revision under review, may not pass 初审
    with pytest.raises(ApprovalRefused, match="最后编辑人"):
        three_levels.approve(article, "editor2")
    # when the editor changes the text during 初审, he may not pass it either
    three_levels.edit(article, "editor", "代交稿件（改）")
    with pytest.raises(ApprovalRefused, match="修改过本稿"):
        three_levels.approve(article, "editor")
    assert three_levels.step_name(article) == "初审"
    # a third editor, who did neither, passes it
    three_levels.users["editor3"] = _member(gamma, "editor3", "编辑")
    three_levels.approve(article, "editor3")
    assert three_levels.step_name(article) == "复审"


def test_a_revision_that_changes_nothing_does_not_make_the_reviewer_its_editor(gamma, three_levels):
    # given a submitted article, and the reviewer approving from the edit form, which saves a revision
    # whenever the form reports a change even if the text is the same (Wagtail's editor does so)
    article = three_levels.submit("原样稿件")
    three_levels.edit(article, "editor", "原样稿件")
    # then he is not its last editor and passes the step
    three_levels.approve(article, "editor")
    assert three_levels.step_name(article) == "复审"
    # while a real change by the next reviewer still bars him from passing his own step
    three_levels.edit(article, "chief", "原样稿件（改）")
    with pytest.raises(ApprovalRefused, match="修改过本稿"):
        three_levels.approve(article, "chief")


def test_whoever_passed_one_step_is_refused_the_next_and_a_distinct_reviewer_publishes(gamma, three_levels):
    article = three_levels.submit("三审稿件")
    three_levels.approve(article, "editor")  # 初审
    three_levels.approve(article, "chief")  # 复审
    # when the chief who passed 复审 tries 终审
    with pytest.raises(ApprovalRefused, match="已审核通过本稿的“复审”"):
        three_levels.approve(article, "chief")
    assert three_levels.step_name(article) == "终审" and not three_levels.live(article)
    # then a distinct reviewer passes the last step and the article goes live
    three_levels.approve(article, "chief2")
    assert three_levels.live(article)


def test_the_proofreading_steps_run_in_the_full_three_level_review(gamma):
    reviewed = review_site(gamma)
    assert active_steps(gamma) == ["一校", "初审", "二校", "复审", "三校", "终审"]
    article = reviewed.submit("三审三校稿件")
    # a proofreader corrects the text and passes his own 校 step (correcting is what 校 is for)
    reviewed.edit(article, "proof1", "三审三校稿件（校）")
    reviewed.approve(article, "proof1")
    # the editor, who did not edit, passes 初审; proof1 may not pass 二校 (he edited the text and passed 一校)
    reviewed.approve(article, "editor")
    with pytest.raises(ApprovalRefused, match="不能审核通过“二校”"):
        reviewed.approve(article, "proof1")
    for name in ("proof2", "chief", "proof3", "chief2"):
        reviewed.approve(article, name)
    assert reviewed.live(article)


def test_two_level_review_for_a_small_site(gamma):
    # given the central office sets gamma to 两审 without proofreading
    reviewed = review_site(gamma)
    policy = set_review_policy(site=gamma, actor="central", levels=2, proofreading=False, overdue_working_days=3)
    assert (policy.levels, policy.proofreading, policy.overdue_working_days) == (2, False, 3)
    # then only 初审 and 终审 apply, and two distinct people publish
    assert active_steps(gamma) == ["初审", "终审"]
    article = reviewed.submit("两审稿件")
    reviewed.approve(article, "editor")
    assert reviewed.step_name(article) == "终审"
    reviewed.approve(article, "chief")
    assert reviewed.live(article)
    # and one level (with proofreading) keeps 一校 and 终审
    set_review_policy(site=gamma, actor="central", levels=1, proofreading=True)
    assert active_steps(gamma) == ["一校", "终审"]


def test_a_policy_is_checked_and_nothing_changes_when_it_is_refused(gamma, alpha):
    review_site(gamma)
    set_review_policy(site=gamma, actor="central", levels=2)
    with schema_context(gamma.schema_name):
        only_review = ReviewTask.objects.get(name="终审")
        only_review.levels = [3]  # as if a theme had no step for every level
        only_review.save()
        ReviewTask.objects.filter(name="初审").update(levels=[3])
    with pytest.raises(PolicyError, match="没有任何审稿步骤"):
        set_review_policy(site=gamma, actor="central", levels=1, overdue_working_days=9)
    assert ReviewPolicy.objects.get(site=gamma).overdue_working_days == 2  # unchanged
    assert active_steps(gamma)[-1] == "终审"
    with pytest.raises(PolicyError, match="审核级别"):
        set_review_policy(site=gamma, actor="central", levels=5)
    with pytest.raises(PolicyError, match="超期天数"):
        set_review_policy(site=gamma, actor="central", overdue_working_days=0)


def test_the_central_office_sets_levels_from_the_command_line(gamma, capsys):
    review_site(gamma)
    call_command("review", "policy", "gamma", "--levels", "2", "--proofreading", "off", "--overdue-days", "4")
    out = capsys.readouterr().out
    assert "gamma: levels=2" in out and "proofreading=off" in out and "4 working days" in out
    assert active_steps(gamma) == ["初审", "终审"]
    call_command("review", "policies")
    assert "gamma: levels=2" in capsys.readouterr().out


def _member(site, username, group_name):
    from django.contrib.auth.models import Group

    with schema_context(site.schema_name):
        user = User.objects.create_user(username=username, password=f"pw-{username}-12345")
        user.groups.add(Group.objects.get(name=group_name))
        return user
