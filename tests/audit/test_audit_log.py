"""The audit log: each kind of event is recorded with user, address and user agent, in its site's chain;
the database refuses changes; `cms audit verify` finds tampering; purge keeps the retention and the
chain; each site's admin lists only its own entries, the central office's all; CSV and XLSX exports."""

import csv
import io
import json
import socket
from datetime import timedelta

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context
from wagtail.log_actions import log
from wagtail.models import GroupApprovalTask, Workflow, WorkflowTask

from cms.audit import checks, selectors, services
from cms.audit.chain import GENESIS_HASH
from cms.audit.models import AuditAnchor, AuditEntry
from cms.network import syndication
from cms.pages.models import ArticlePage, SiteSettings
from cms.review import services as review
from tests.conftest import ADMIN_PASSWORD, HOSTS, add_article

UA = "Mozilla/5.0 (X11; Linux x86_64) 审计测试"
ADDRESS = "203.0.113.7"


def browser(address=ADDRESS, **headers) -> Client:
    return Client(REMOTE_ADDR=address, HTTP_USER_AGENT=UA, **headers)


def logged_in(site, username="admin", password=ADMIN_PASSWORD, address=ADDRESS) -> Client:
    client = browser(address)
    response = client.post("/admin/login/", {"username": username, "password": password}, HTTP_HOST=HOSTS[site.slug])
    assert response.status_code == 302
    return client


def latest(schema_name, action) -> AuditEntry:
    entry = AuditEntry.objects.filter(schema_name=schema_name, action=action).order_by("-seq").first()
    assert entry is not None, f"no {action} entry in {schema_name}"
    return entry


def admin_of(site):
    from cms.accounts.models import User

    with schema_context(site.schema_name):
        return User.objects.get(username="admin")


def a_user(site, username, group=None):
    from cms.accounts.models import User

    with schema_context(site.schema_name):
        user = User.objects.create_user(username=username, password=f"pw-{username}-long-enough")
        if group:
            user.groups.add(Group.objects.get(name=group))
        return user


def draft(site, title):
    add_article(site, f"{title}（栏目）")
    with schema_context(site.schema_name):
        section = ArticlePage.objects.get(title=f"{title}（栏目）").get_parent()
        article = ArticlePage(title=title, live=False)
        section.add_child(instance=article)
        article.save_revision()
        return article


def assert_from_browser(entry, username="admin"):
    assert (entry.username, entry.ip_address, entry.user_agent) == (username, ADDRESS, UA)


# --- Each kind of event ---


def test_a_login_and_a_failed_login_are_recorded_with_user_address_and_user_agent(alpha):
    # Given a browser at a known address
    client = browser()
    # When it fails once and then logs in to alpha's admin
    client.post("/admin/login/", {"username": "admin", "password": "wrong-password"}, HTTP_HOST=HOSTS["alpha"])
    client.post("/admin/login/", {"username": "admin", "password": ADMIN_PASSWORD}, HTTP_HOST=HOSTS["alpha"])
    # Then both are in alpha's chain with the address and user agent; the failure names who was tried
    failed, ok = latest("alpha", "auth.login_failed"), latest("alpha", "auth.login")
    assert_from_browser(failed)
    assert failed.user_id is None
    assert_from_browser(ok)
    assert ok.user_id == admin_of(alpha).pk and ok.seq > failed.seq
    assert abs(ok.timestamp - timezone.now()) < timedelta(minutes=5)


def test_a_login_refused_by_the_lockout_is_recorded_as_such(alpha, settings):
    # Given as many wrong passwords as the limit allows
    client = browser()
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "admin", "password": f"wrong-{n}"}, HTTP_HOST=HOSTS["alpha"])
    # When the right password comes during the lock
    refused = client.post("/admin/login/", {"username": "admin", "password": ADMIN_PASSWORD}, HTTP_HOST=HOSTS["alpha"])
    # Then it is a failed login, marked as refused by the lock
    assert refused.status_code == 429
    entry = latest("alpha", "auth.login_failed")
    assert_from_browser(entry)
    assert entry.details == {"locked_out": True}


def test_the_second_factor_step_is_recorded_when_it_fails_and_when_it_passes(alpha, settings):
    from tests.accounts.test_two_factor import code_for, enrol

    # Given alpha's admin enrolled an authenticator, and two-factor login is required
    settings.CMS_REQUIRE_2FA = True
    secret, _ = enrol(logged_in(alpha), HOSTS["alpha"])
    # When they enter the right code at one login, and a wrong one at another
    passed = logged_in(alpha).post("/admin/2fa/", {"code": code_for(secret, steps_ahead=1)}, HTTP_HOST=HOSTS["alpha"])
    assert passed.status_code == 302
    logged_in(alpha).post("/admin/2fa/", {"code": "000000"}, HTTP_HOST=HOSTS["alpha"])
    # Then both are in alpha's chain, with the browser's address and user agent
    ok, failed = latest("alpha", "auth.second_factor"), latest("alpha", "auth.second_factor_failed")
    assert_from_browser(failed)
    assert_from_browser(ok)
    assert failed.seq > ok.seq and ok.details == {"kind": "TOTPDevice"}


def test_the_forwarded_address_is_trusted_only_when_the_settings_name_the_header(alpha, settings):
    # Given a client that sends X-Forwarded-For itself, with no proxy configured
    client = browser(address="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.9, 192.0.2.1")
    client.post("/admin/login/", {"username": "admin", "password": "wrong"}, HTTP_HOST=HOSTS["alpha"])
    # Then the peer address is recorded
    assert latest("alpha", "auth.login_failed").ip_address == "10.0.0.1"
    # When the settings say a proxy sets the header, its last entry (the one the proxy added) is the client
    settings.CMS_CLIENT_IP_HEADER = "X-Forwarded-For"
    client.post("/admin/login/", {"username": "admin", "password": "wrong"}, HTTP_HOST=HOSTS["alpha"])
    assert latest("alpha", "auth.login_failed").ip_address == "192.0.2.1"


def test_permission_refusals_in_wagtail_and_by_django_s_403_handler_are_recorded(alpha):
    # Given an editor of alpha (admin access, not a superuser) and a user without admin access
    a_user(alpha, "writer", group="编辑")
    a_user(alpha, "reader")
    writer = logged_in(alpha, "writer", "pw-writer-long-enough")
    # When the editor opens the audit log (superusers only): Wagtail's redirect with a message
    refused = writer.get("/admin/audit/", HTTP_HOST=HOSTS["alpha"])
    assert (refused.status_code, refused["Location"]) == (302, "/admin/")
    entry = latest("alpha", "permission.denied")
    assert_from_browser(entry, "writer")
    assert entry.object_label == "/admin/audit/" and entry.details == {"why": "wagtail"}
    # When the user without admin access logs in and is turned away
    logged_in(alpha, "reader", "pw-reader-long-enough").get("/admin/pages/", HTTP_HOST=HOSTS["alpha"])
    assert latest("alpha", "permission.denied").details == {"why": "no_admin_access"}
    # When a form comes without its CSRF token: Django's 403 page (in Chinese), recorded too
    strict = Client(enforce_csrf_checks=True, REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT=UA)
    forbidden = strict.post("/admin/login/", {"username": "admin", "password": "x"}, HTTP_HOST=HOSTS["alpha"])
    assert forbidden.status_code == 403 and "没有权限" in forbidden.content.decode()
    csrf = latest("alpha", "permission.denied")
    assert csrf.details == {"why": "csrf"} and (csrf.ip_address, csrf.user_agent, csrf.username) == (ADDRESS, UA, "")


def test_publish_and_unpublish_in_the_admin_are_recorded(beta):
    # Given a draft article on beta and its admin in a browser
    article = draft(beta, "审计发布测试稿")
    client = logged_in(beta)
    # When it is published (bulk action) and then unpublished in the admin
    published = client.post(
        f"/admin/bulk/wagtailcore/page/publish/?id={article.pk}&next=/admin/", {}, HTTP_HOST=HOSTS["beta"]
    )
    assert published.status_code == 302
    unpublished = client.post(f"/admin/pages/{article.pk}/unpublish/", {}, HTTP_HOST=HOSTS["beta"])
    assert unpublished.status_code == 302
    # Then both are in beta's chain, with who, from where and on what
    publish, unpublish = latest("beta", "wagtail.publish"), latest("beta", "wagtail.unpublish")
    for entry in (publish, unpublish):
        assert_from_browser(entry)
        assert (entry.object_type, entry.object_id, entry.object_label) == (
            "pages.articlepage",
            str(article.pk),
            "审计发布测试稿",
        )
    assert publish.details["revision"] and unpublish.seq > publish.seq


def test_scheduled_publishing_is_recorded_without_a_user(delta):
    # Given a draft of delta approved to go live a minute ago, as scheduling leaves it
    article = draft(delta, "审计定时发布稿")
    with schema_context(delta.schema_name):
        ArticlePage.objects.get(pk=article.pk).save_revision(approved_go_live_at=timezone.now() - timedelta(minutes=1))
    # When the scheduler runs (no request, no user)
    call_command("publish_scheduled_all")
    # Then delta's chain has the publish, by nobody, from nowhere
    entry = latest("delta", "wagtail.publish.scheduled")
    assert entry.object_id == str(article.pk)
    assert (entry.username, entry.user_id, entry.ip_address, entry.user_agent) == ("", None, "", "")


def test_a_workflow_decision_is_recorded(gamma):
    # Given an article of gamma in a one-step workflow
    admin = admin_of(gamma)
    article = draft(gamma, "审计流程测试稿")
    with schema_context(gamma.schema_name):
        workflow = Workflow.objects.create(name="审计测试流程")
        task = GroupApprovalTask.objects.create(name="审计终审")
        task.groups.set(Group.objects.filter(name="Moderators") | Group.objects.filter(name="编辑"))
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
        state = workflow.start(ArticlePage.objects.get(pk=article.pk), admin)
        task_state = state.current_task_state
    # When a reviewer rejects it in the admin with a comment
    client = logged_in(gamma)
    answer = client.post(
        f"/admin/pages/workflow/action/{article.pk}/reject/{task_state.pk}/",
        {"comment": "请补充来源"},
        HTTP_HOST=HOSTS["gamma"],
    )
    assert answer.status_code in (200, 302)
    # Then the decision is in gamma's chain
    entry = latest("gamma", "wagtail.workflow.reject")
    assert_from_browser(entry)
    assert entry.object_id == str(article.pk)


def test_a_settings_edit_logged_by_wagtail_is_mirrored(alpha):
    # Given Wagtail's log of a settings edit, as its settings view writes it
    with schema_context(alpha.schema_name):
        settings = SiteSettings.objects.first()
        log(instance=settings, action="wagtail.edit", user=admin_of(alpha))
    # Then the audit log has it, under the settings model
    entry = latest("alpha", "wagtail.edit")
    assert (entry.username, entry.object_type) == ("admin", "pages.sitesettings")


def test_lexicon_changes_and_screening_overrides_are_recorded(alpha):
    # Given a draft on alpha, and a national review-level word it holds
    article = draft(alpha, "含有审计审核词的稿件")
    review.add_entry(site=None, word="审计审核词", actor="centraladmin", level="review")
    added = latest("public", "lexicon.add")
    assert added.username == "centraladmin" and "审计审核词" in added.details["words"]
    # When a named reviewer of alpha overrides the hit with a reason
    with schema_context(alpha.schema_name):
        revision = ArticlePage.objects.get(pk=article.pk).get_latest_revision()
        review.record_override(site=alpha, revision=revision, user=admin_of(alpha), reason="已核实的公开资料")
    # Then alpha's chain has who, on what, and why
    override = latest("alpha", "screening.override")
    assert (override.username, override.object_id) == ("admin", str(article.pk))
    assert override.details["reason"] == "已核实的公开资料" and override.details["words"] == ["审计审核词"]


def test_archiving_and_unarchiving_a_site_are_recorded_in_the_central_office_chain(beta):
    from sites.services import archive_site, unarchive_site

    archive_site(association=beta)
    unarchive_site(association=beta)
    archived, restored = latest("public", "site.archive"), latest("public", "site.unarchive")
    assert (archived.object_id, archived.object_label) == ("beta", "测试作家协会")
    assert restored.seq == archived.seq + 1


def test_creating_backing_up_restoring_and_deleting_a_site_are_recorded(committed, tmp_path):
    from sites.backup import backup_site, restore_site
    from sites.models import Association
    from sites.services import create_site, delete_site

    site = create_site(
        name="审计临时网站",
        short_name="审计临时",
        slug="tmp-audit",
        kind="national_association",
        parent=Association.objects.get(slug="alpha"),
        domain="tmp-audit.localhost",
        theme="blank",
    )
    created = latest("public", "site.create")
    assert (created.object_id, created.details["schema"], created.details["domain"]) == (
        "tmp-audit",
        "tmp_audit",
        "tmp-audit.localhost",
    )
    archive = backup_site(association=site, target=tmp_path / "site.tar.gz")
    assert latest("public", "site.backup").details["file"] == str(archive)
    copy = restore_site(source=archive, slug="tmp-audit-copy", domain="tmp-audit-copy.localhost")
    restored = latest("public", "site.restore")
    assert (restored.object_id, restored.details["schema"]) == ("tmp-audit-copy", copy.schema_name)
    delete_site(association=Association.objects.get(pk=site.pk))
    assert latest("public", "site.delete").object_label == "审计临时网站"
    assert selectors.verify(schema_names=["public"]).ok


def test_syndication_steps_are_recorded_on_the_site_that_took_them(alpha, gamma, delta):
    # Given an article of delta submitted to gamma through delta's admin
    article = add_article(delta, "审计报送稿")
    delta_admin = logged_in(delta)
    answer = delta_admin.post(
        f"/admin/network/syndication/pages/{article.pk}/submit/",
        {"target": gamma.pk, "note": "请采用"},
        HTTP_HOST=HOSTS["delta"],
    )
    assert answer.status_code == 302
    submitted = latest("delta", "syndication.submitted")
    assert_from_browser(submitted)
    assert submitted.object_label == "审计报送稿" and submitted.details["to"] == "测试浙江省文联"
    # When gamma declines it, and alpha pushes an item down to gamma, which arrives
    record = syndication.Syndication.objects.get(pk=submitted.object_id)
    syndication.decline(syndication_id=record.pk, receiver=gamma, reason="不符合栏目要求", user_name="gammaeditor")
    notice = add_article(alpha, "审计下发稿")
    pushed = syndication.push(source_site=alpha, page_id=notice.pk, targets=[gamma], user_name="alphaeditor")
    syndication.deliver(syndication_id=pushed.created[0].pk)
    # Then each step is in the chain of the site that took it
    declined = latest("gamma", "syndication.declined")
    assert declined.username == "gammaeditor" and declined.details["note"] == "不符合栏目要求"
    assert latest("alpha", "syndication.pushed").username == "alphaeditor"
    arrived = latest("gamma", "syndication.delivered")
    assert arrived.object_label == "审计下发稿" and arrived.username == ""


def test_a_central_office_user_acting_on_a_site_is_named_with_its_schema_never_by_a_site_s_user_id(alpha):
    from django.test import RequestFactory

    from cms.accounts.models import User
    from sites.models import Association

    # Given a request of the central office's admin
    request = RequestFactory().post("/admin/", REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT=UA)
    request.tenant = Association.objects.get(schema_name="public")
    request.user = User.objects.get(username="admin")
    # When it records an action on alpha (a lexicon layer of alpha, say)
    entry = services.record("lexicon.add", request=request, schema_name="alpha")
    # Then alpha's chain names the user with the central office's schema, and keeps no user id
    assert (entry.username, entry.user_id, entry.ip_address) == ("public:admin", None, ADDRESS)
    # while on the central office's own chain the user is its own
    own = services.record("site.archive", request=request, schema_name="public")
    assert (own.username, own.user_id) == ("admin", request.user.pk)


# --- Append-only, hash chain, verification ---


def test_the_database_refuses_update_delete_and_truncate(alpha):
    entry = services.record("test.event", schema_name="alpha", object_label="不可更改")
    for attempt in (
        lambda: AuditEntry.objects.filter(pk=entry.pk).update(object_label="改过"),
        lambda: AuditEntry.objects.filter(pk=entry.pk).delete(),
        lambda: connection.cursor().execute("TRUNCATE audit_auditentry"),
        lambda: AuditAnchor.objects.create(
            schema_name="x", seq=1, hash=GENESIS_HASH, purged_at=timezone.now(), cutoff=timezone.now(), removed=0
        ).delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    # And the purge's setting does not open the door to entries younger than 180 days
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('cms_audit.purge_before', %s, true)", [timezone.now().isoformat()])
            cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).object_label == "不可更改"


def test_each_entry_links_to_the_one_before_in_its_chain(db):
    first = services.record("test.event", schema_name="tmp_chain")
    second = services.record("test.event", schema_name="tmp_chain", detail={"n": 2})
    other = services.record("test.event", schema_name="tmp_other_chain")
    assert (first.seq, first.prev_hash) == (1, GENESIS_HASH)
    assert (second.seq, second.prev_hash) == (2, first.hash)
    assert (other.seq, other.prev_hash) == (1, GENESIS_HASH)
    assert selectors.verify(schema_names=["tmp_chain", "tmp_other_chain"]).checked == {
        "tmp_chain": 2,
        "tmp_other_chain": 1,
    }


def disable_trigger_and(sql, params):
    """As the database's superuser could: switch the trigger off, change the table, switch it on."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_entry_append_only")


def test_verify_names_the_first_altered_entry(db, capsys):
    # Given a chain of five entries, all intact
    entries = [services.record("test.event", schema_name="tmp_tamper", username=f"u{n}") for n in range(5)]
    call_command("audit", "verify", "--site", "tmp_tamper")
    assert "OK: 5 entries in 1 chain(s) verified." in capsys.readouterr().out
    # When someone with the trigger off changes the third entry's user
    disable_trigger_and("UPDATE audit_auditentry SET username = 'nobody' WHERE id = %s", [entries[2].pk])
    # Then verify fails and names that entry
    with pytest.raises(CommandError, match="not intact"):
        call_command("audit", "verify", "--site", "tmp_tamper")
    err = capsys.readouterr().err
    assert f"entry {entries[2].pk} (chain tmp_tamper, seq 3)" in err and "altered" in err


def test_verify_finds_an_entry_removed_from_the_middle_and_a_forged_start(db):
    entries = [services.record("test.event", schema_name="tmp_removed") for _ in range(4)]
    disable_trigger_and("DELETE FROM audit_auditentry WHERE id = %s", [entries[1].pk])
    problem = selectors.verify(schema_names=["tmp_removed"]).breaks[0]
    assert (problem.entry_id, problem.seq, problem.reason) == (entries[2].pk, 3, "entries 2 to 2 are missing")
    # Removing the oldest entries (without the purge's anchor) is found too
    disable_trigger_and("DELETE FROM audit_auditentry WHERE id = %s", [entries[0].pk])
    problem = selectors.verify(schema_names=["tmp_removed"]).breaks[0]
    assert problem.entry_id == entries[2].pk and "without a purge anchor" in problem.reason


def test_the_whole_log_verifies_after_real_activity(alpha, beta):
    logged_in(alpha)
    logged_in(beta)
    result = selectors.verify()
    assert result.ok, [str(b) for b in result.breaks]
    assert {"public", "alpha", "beta"} <= set(result.checked)


def test_concurrent_writers_of_one_chain_keep_it_whole(committed):
    """Each writer holds the chain's advisory lock until its transaction ends: no two get the same number."""
    import threading

    from django.db import connections

    errors = []

    def write(n):
        try:
            for _ in range(5):
                with transaction.atomic():
                    services.record("test.concurrent", schema_name="tmp_concurrent", detail={"writer": n})
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = selectors.verify(schema_names=["tmp_concurrent"])
    assert result.ok and result.checked["tmp_concurrent"] % 20 == 0


# --- Retention and purge ---


def record_at(monkeypatch, when, chain, label):
    monkeypatch.setattr(services.timezone, "now", lambda: when)
    entry = services.record("test.event", schema_name=chain, object_label=label)
    monkeypatch.undo()
    return entry


def test_purge_removes_only_entries_past_the_retention_and_the_chain_still_verifies(db, monkeypatch, capsys):
    # Given a chain with entries 200 and 181 days old, then 179 days and 1 day old
    now = timezone.now()
    old = [record_at(monkeypatch, now - timedelta(days=days), "tmp_purge", f"{days}") for days in (200, 181)]
    kept = [record_at(monkeypatch, now - timedelta(days=days), "tmp_purge", f"{days}") for days in (179, 1)]
    # When the purge runs with the default retention of 180 days
    call_command("audit", "purge")
    assert "tmp_purge" in capsys.readouterr().out
    # Then only the two older entries are gone, an anchor keeps the link, and the chain verifies
    remaining = list(AuditEntry.objects.filter(schema_name="tmp_purge").order_by("seq"))
    assert [e.pk for e in remaining] == [e.pk for e in kept]
    anchor = AuditAnchor.objects.get(schema_name="tmp_purge")
    assert (anchor.seq, anchor.hash, anchor.removed) == (old[-1].seq, old[-1].hash, 2)
    assert selectors.verify(schema_names=["tmp_purge"]).ok
    # and the chain goes on from where it was, and the purge itself is recorded
    following = services.record("test.event", schema_name="tmp_purge")
    assert (following.seq, following.prev_hash) == (kept[-1].seq + 1, kept[-1].hash)
    assert selectors.verify(schema_names=["tmp_purge"]).ok
    assert latest("public", "audit.purge").details["removed"] == {"tmp_purge": 2}


def test_a_chain_purged_empty_continues_from_its_anchor(db, monkeypatch):
    gone = record_at(monkeypatch, timezone.now() - timedelta(days=400), "tmp_purge_all", "old")
    services.purge()
    assert not AuditEntry.objects.filter(schema_name="tmp_purge_all").exists()
    fresh = services.record("test.event", schema_name="tmp_purge_all")
    assert (fresh.seq, fresh.prev_hash) == (gone.seq + 1, gone.hash)
    assert selectors.verify(schema_names=["tmp_purge_all"]).ok


def test_a_longer_retention_keeps_more_and_a_shorter_one_is_refused(db, monkeypatch, settings):
    entry = record_at(monkeypatch, timezone.now() - timedelta(days=200), "tmp_retention", "200")
    settings.CMS_AUDIT_RETENTION_DAYS = 365
    assert services.purge().removed.get("tmp_retention") is None
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    settings.CMS_AUDIT_RETENTION_DAYS = 90
    with pytest.raises(ValidationError, match="180"):
        services.purge()
    with pytest.raises(CommandError, match="180"):
        call_command("audit", "purge")
    assert [e.id for e in checks.retention_at_least_six_months()] == ["audit.E001"]
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_a_dry_run_counts_and_removes_nothing(db, monkeypatch):
    entry = record_at(monkeypatch, timezone.now() - timedelta(days=300), "tmp_dry", "old")
    assert services.purge(dry_run=True).removed["tmp_dry"] == 1
    assert AuditEntry.objects.filter(pk=entry.pk).exists() and not AuditAnchor.objects.filter(schema_name="tmp_dry")


# --- The admin: per site, across sites, exports ---


def test_each_site_s_admin_lists_only_its_own_entries_and_the_central_office_all(alpha, beta):
    # Given a failed login on alpha and one on beta, with usernames that tell them apart
    for site in (alpha, beta):
        browser().post("/admin/login/", {"username": f"probe-{site.slug}", "password": "x"}, HTTP_HOST=HOSTS[site.slug])
    # Then alpha's admin shows alpha's entry only, and beta's only beta's
    alpha_page = logged_in(alpha).get("/admin/audit/", HTTP_HOST=HOSTS["alpha"]).content.decode()
    assert "probe-alpha" in alpha_page and "probe-beta" not in alpha_page
    assert "审计日志" in alpha_page and "下载CSV" in alpha_page and "下载XLSX" in alpha_page
    beta_page = logged_in(beta).get("/admin/audit/", HTTP_HOST=HOSTS["beta"]).content.decode()
    assert "probe-beta" in beta_page and "probe-alpha" not in beta_page
    # And a site cannot widen its view with the central office's filter
    widened = logged_in(alpha).get("/admin/audit/?site=beta", HTTP_HOST=HOSTS["alpha"]).content.decode()
    assert "probe-beta" not in widened
    # The central office sees both, with the site's name, and can filter by site
    central = logged_in_central()
    both = central.get("/admin/audit/", HTTP_HOST=HOSTS["central"]).content.decode()
    assert "probe-alpha" in both and "probe-beta" in both and "测试作家协会" in both
    only_beta = central.get("/admin/audit/?site=beta", HTTP_HOST=HOSTS["central"]).content.decode()
    assert "probe-beta" in only_beta and "probe-alpha" not in only_beta


def logged_in_central() -> Client:
    client = browser()
    answer = client.post("/admin/login/", {"username": "admin", "password": ADMIN_PASSWORD}, HTTP_HOST=HOSTS["central"])
    assert answer.status_code == 302
    return client


def test_the_filters_narrow_by_user_action_date_and_address(alpha):
    browser(address="198.51.100.20").post(
        "/admin/login/", {"username": "filter-probe", "password": "x"}, HTTP_HOST=HOSTS["alpha"]
    )
    client = logged_in(alpha)
    today = timezone.localdate().isoformat()
    cases = {
        "username=filter-probe": True,
        "username=someone-else": False,
        "action=auth.login_failed": True,
        "action=auth.login": False,
        f"date_from={today}&date_to={today}": True,
        "date_from=2020-01-01&date_to=2020-01-02": False,
        "ip_address=198.51.100": True,
        "ip_address=192.0.2": False,
    }
    for query, shown in cases.items():
        page = client.get(f"/admin/audit/?{query}", HTTP_HOST=HOSTS["alpha"])
        assert page.status_code == 200
        assert ("filter-probe" in page.content.decode()) is shown, query


def test_only_superusers_see_the_audit_log_in_the_menu(alpha):
    a_user(alpha, "menu-writer", group="编辑")
    writer = logged_in(alpha, "menu-writer", "pw-menu-writer-long-enough")
    assert "/admin/audit/" not in writer.get("/admin/", HTTP_HOST=HOSTS["alpha"]).content.decode()
    assert "/admin/audit/" in logged_in(alpha).get("/admin/", HTTP_HOST=HOSTS["alpha"]).content.decode()


def test_the_listing_runs_the_same_few_queries_however_many_entries_and_sites(alpha, beta):
    client = logged_in_central()
    counts = []
    for n in (3, 60):
        for i in range(n):
            services.record("test.event", schema_name=("alpha", "beta")[i % 2], username=f"many-{i}")
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/admin/audit/", HTTP_HOST=HOSTS["central"]).status_code == 200
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1] <= 16, counts


def test_csv_and_xlsx_exports_hold_the_filtered_entries(alpha, beta):
    # Given entries of alpha and beta
    services.record("auth.login_failed", schema_name="alpha", username="export-alpha")
    services.record("auth.login_failed", schema_name="beta", username="export-beta")
    central = logged_in_central()
    # When the central office exports alpha's failed logins as CSV
    answer = central.get("/admin/audit/?site=alpha&action=auth.login_failed&export=csv", HTTP_HOST=HOSTS["central"])
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode("utf-8-sig"))))
    # Then the headings are Chinese and every row is alpha's, with the site's name and the action's
    assert rows[0][:4] == ["时间", "网站", "用户", "操作"]
    assert "export-alpha" in {row[2] for row in rows[1:]}
    assert {row[1] for row in rows[1:]} == {"测试全国文联"} and {row[3] for row in rows[1:]} == {"登录失败"}
    # And the XLSX export of the same filter has the same rows
    answer = central.get("/admin/audit/?site=alpha&action=auth.login_failed&export=xlsx", HTTP_HOST=HOSTS["central"])
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(answer.streaming_content))).active
    values = [[cell if cell is not None else "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert values[0][:4] == ["时间", "网站", "用户", "操作"]
    assert sorted(str(row[2]) for row in values[1:]) == sorted(row[2] for row in rows[1:])
    # And alpha's own export holds alpha's entries only
    answer = logged_in(alpha).get("/admin/audit/?site=beta&export=csv", HTTP_HOST=HOSTS["alpha"])
    own = list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode("utf-8-sig"))))
    assert len(own) > 2 and {row[1] for row in own[1:]} == {"测试全国文联"}
    assert "export-beta" not in {row[2] for row in own[1:]}


def test_an_export_past_the_limit_is_refused_with_a_message(alpha, settings):
    settings.CMS_AUDIT_EXPORT_MAX_ROWS = 1
    services.record("test.event", schema_name="alpha")
    services.record("test.event", schema_name="alpha")
    client = logged_in(alpha)
    answer = client.get("/admin/audit/?export=csv", HTTP_HOST=HOSTS["alpha"], follow=True)
    assert "超过单次导出上限 1 条" in answer.content.decode()


# --- Shipping to an outside collector ---


def test_each_committed_entry_is_shipped_as_a_json_line_to_a_file(
    db, settings, tmp_path, django_capture_on_commit_callbacks
):
    target = tmp_path / "audit.jsonl"
    settings.CMS_AUDIT_SHIP = f"file:{target}"
    with django_capture_on_commit_callbacks(execute=True):
        entry = services.record("test.event", schema_name="alpha", username="shipper", detail={"k": "值"})
    line = json.loads(target.read_text(encoding="utf-8").splitlines()[-1])
    assert (line["id"], line["site"], line["username"], line["detail"], line["hash"]) == (
        entry.pk,
        "alpha",
        "shipper",
        {"k": "值"},
        entry.hash,
    )


def test_an_entry_rolled_back_is_never_shipped_and_syslog_gets_one_datagram(
    db, settings, django_capture_on_commit_callbacks
):
    collector = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    collector.bind(("127.0.0.1", 0))
    collector.settimeout(5)
    settings.CMS_AUDIT_SHIP = f"syslog:127.0.0.1:{collector.getsockname()[1]}"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.record("test.event", schema_name="alpha", username="rolled-back")
            raise RuntimeError
    assert callbacks == []
    assert not AuditEntry.objects.filter(username="rolled-back").exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.record("test.event", schema_name="alpha", username="via-syslog")
    datagram = collector.recv(65536).decode()
    collector.close()
    assert "cms-audit: " in datagram
    assert json.loads(datagram.split("cms-audit: ", 1)[1])["username"] == "via-syslog"


# --- The command ---


def test_the_cms_command_forwards_audit_to_its_management_command():
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    answer = subprocess.run(
        [sys.executable, "-m", "cms.cli", "audit", "--help"], capture_output=True, text=True, env=env, timeout=120
    )
    assert answer.returncode == 0, answer.stderr
    assert "verify" in answer.stdout and "purge" in answer.stdout


def test_a_shipping_target_that_cannot_be_understood_fails_the_system_check(settings):
    for good in ("file:/var/log/cms/audit.jsonl", "syslog", "syslog:10.0.0.5:514", "syslog+tcp:collector:6514"):
        settings.CMS_AUDIT_SHIP = good
        assert checks.shipping_target_is_understood() == []
    for bad in ("file:", "syslog:collector", "syslog:host:port", "http://collector/", "kafka:x"):
        settings.CMS_AUDIT_SHIP = bad
        assert [e.id for e in checks.shipping_target_is_understood()] == ["audit.E002"], bad
