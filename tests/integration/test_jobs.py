"""Scheduled jobs on the demo database with a frozen clock: listing hygiene (stale flags and
accreditation warnings), scheduled re-assessment, licence renewals, once-per-period runs, error
isolation; and the notifications, admin jobs and outbox pages and APIs with their permissions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from assessments.models import Assessment, AssessmentRun
from assessments.reports import services as report_services
from registry.accounts.models import User
from registry.db import session_scope
from registry.inventory.models import InventoryItem
from registry.jobs import runner as jobs_module
from registry.jobs.models import JobRun
from registry.jobs.runner import JOBS, JobDef, run_all, run_job
from registry.notifications.models import Notification, OutboxEmail
from registry.notifications.services import Message, notify_user, send_outbox
from registry.suppliers.models import Supplier
from registry.tools.models import Accreditation, Tool, ToolFlag
from tests.conftest import DEMO_PASSWORD, USERS

NOW = datetime(2030, 3, 6, 12, 0, tzinfo=UTC)  # a Wednesday; ISO week 2030-W10
TODAY = NOW.date()


@pytest.fixture
def frozen() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _session(db: Any) -> Any:
    return session_scope(db.engine)


def _user_id(session: Session, who: str) -> int:
    return int(session.execute(select(User.id).where(User.email == USERS[who])).scalar_one())


def _notes(session: Session, who: str, kind: str | None = None) -> list[Notification]:
    stmt = select(Notification).where(Notification.user_id == _user_id(session, who))
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return list(session.execute(stmt.order_by(Notification.id)).scalars())


def _kestrel_tools(session: Session) -> list[Tool]:
    sid = session.execute(select(Supplier.id).where(Supplier.name == "Kestrel Analytics Ltd")).scalar_one()
    return list(session.execute(select(Tool).where(Tool.supplier_id == sid).order_by(Tool.id)).scalars())


def _quiet_everything(session: Session) -> None:
    """Every listing freshly reviewed and every accreditation/licence far away, so each test
    controls exactly which items are due."""
    session.execute(update(Tool).values(last_reviewed=TODAY - timedelta(days=10), stale=False))
    session.execute(update(Accreditation).values(expires_on=TODAY + timedelta(days=400)))
    session.execute(update(InventoryItem).values(licence_end=TODAY + timedelta(days=400)))


# --- listing hygiene --------------------------------------------------------------------------


def test_listing_hygiene_flags_stale_and_expiring_and_unflags_when_fixed(db: Any, frozen: Any) -> None:
    with _session(db) as s:
        _quiet_everything(s)
        t366, t365, t_acc = _kestrel_tools(s)[:3]
        s.get(Tool, t366.id).last_reviewed = TODAY - timedelta(days=366)
        s.get(Tool, t365.id).last_reviewed = TODAY - timedelta(days=365)
        s.execute(update(Accreditation).where(Accreditation.tool_id == t_acc.id).values(expires_on=None))
        for days in (59, 60, 61, -1):
            s.add(
                Accreditation(
                    tool_id=t_acc.id, name=f"Cert {days}", expires_on=TODAY + timedelta(days=days), mandatory=days == -1
                )
            )
        ids = (t366.id, t365.id, t_acc.id)

    result = run_job(db.engine, "listing_hygiene")
    assert result.outcome == "ok", result.error
    assert result.counts["newly_stale"] == 1 and result.counts["accreditations_expiring"] == 2
    assert result.counts["accreditations_expired"] == 1 and result.counts["mandatory_expired"] == 1

    with _session(db) as s:
        assert s.get(Tool, ids[0]).stale is True  # 366 days: stale
        assert s.get(Tool, ids[1]).stale is False  # 365 days: not yet
        stale_notes = _notes(s, "supplier_a", "listing_stale")
        assert [n.link for n in stale_notes] == [f"/supplier/tools/{ids[0]}/edit/about"]
        expiring = sorted(n.title for n in _notes(s, "supplier_a", "accreditation_expiring"))
        assert expiring == [
            f"Cert 59 for {s.get(Tool, ids[2]).name} expires in 59 days",
            f"Cert 60 for {s.get(Tool, ids[2]).name} expires in 60 days",
        ]  # 61 is not warned
        assert len(_notes(s, "supplier_a", "accreditation_expired")) == 1
        assert _notes(s, "supplier_b") == []  # other suppliers hear nothing about Kestrel's tools
        flags = {(f.tool_id, f.flag) for f in s.execute(select(ToolFlag)).scalars()}
        assert flags == {
            (ids[0], "stale"),
            (ids[2], "accreditation_expiring"),
            (ids[2], "accreditation_expired"),
            (ids[2], "mandatory_accreditation_expired"),
        }
        # Each notification also queued an e-mail to the supplier user.
        mails = s.execute(select(OutboxEmail).where(OutboxEmail.to_address == USERS["supplier_a"])).scalars().all()
        assert len(mails) == 4 and all(m.sent_at is None for m in mails)
        audit = s.execute(select(func.count()).select_from(Tool).where(Tool.stale.is_(True))).scalar_one()
        assert audit == 1

        # The supplier reviews the listing and renews the mandatory certificate.
        s.get(Tool, ids[0]).last_reviewed = TODAY
        s.execute(
            update(Accreditation).where(Accreditation.name == "Cert -1").values(expires_on=TODAY + timedelta(days=365))
        )

    frozen.shift(timedelta(days=1))
    result = run_job(db.engine, "listing_hygiene")
    assert result.outcome == "ok" and result.period_key == (TODAY + timedelta(days=1)).isoformat()
    assert result.counts["unflagged"] == 1 and result.counts["newly_stale"] == 1
    with _session(db) as s:
        assert s.get(Tool, ids[0]).stale is False
        assert s.get(Tool, ids[1]).stale is True  # a day later, 365 days became 366
        flags = {(f.tool_id, f.flag) for f in s.execute(select(ToolFlag)).scalars()}
        assert flags == {(ids[1], "stale"), (ids[2], "accreditation_expiring")}
        # The next night only "Cert 61" (now 60 days away) is new; the others are not repeated.
        expiring = [n.title.split(" for ")[0] for n in _notes(s, "supplier_a", "accreditation_expiring")]
        assert sorted(expiring) == ["Cert 59", "Cert 60", "Cert 61"]


def test_same_period_runs_once_even_when_started_twice(db: Any, frozen: Any) -> None:
    with _session(db) as s:
        _quiet_everything(s)
        s.get(Tool, _kestrel_tools(s)[0].id).last_reviewed = TODAY - timedelta(days=500)
    first = run_job(db.engine, "listing_hygiene")
    second = run_job(db.engine, "listing_hygiene")
    assert first.outcome == "ok" and second.outcome == "already-done"
    with _session(db) as s:
        rows = s.execute(select(JobRun).where(JobRun.job_id == "listing_hygiene")).scalars().all()
        assert [(r.period_key, r.outcome) for r in rows] == [(TODAY.isoformat(), "ok")]
        assert len(_notes(s, "supplier_a", "listing_stale")) == 1
    # A forced rerun is recorded separately and still sends nothing twice (item-level dedupe).
    forced = run_job(db.engine, "listing_hygiene", force=True, trigger="manual")
    assert forced.outcome == "ok" and forced.period_key.startswith(f"{TODAY.isoformat()}/manual-")
    with _session(db) as s:
        assert len(_notes(s, "supplier_a", "listing_stale")) == 1


def test_crashing_job_records_error_and_the_others_still_run(
    db: Any, frozen: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"n": 0}

    def boom(ctx: jobs_module.JobContext) -> dict[str, Any]:
        calls["n"] += 1
        ctx.session.add(Notification(user_id=1, kind="x", title="must be rolled back"))
        if calls["n"] == 1:
            raise RuntimeError("disk on fire")
        return {"recovered": True}

    # Registered first, so it runs before the real jobs.
    monkeypatch.setattr(jobs_module, "JOBS", {"boom": JobDef("boom", "Boom", "test", boom), **JOBS})
    results = {r.job_id: r for r in run_all(db.engine)}
    assert results["boom"].outcome == "error" and "disk on fire" in (results["boom"].error or "")
    assert {results[j].outcome for j in JOBS} <= {"ok", "skipped"}
    assert results["listing_hygiene"].outcome == "ok" and results["licence_renewals"].outcome == "ok"
    with _session(db) as s:
        row = s.execute(select(JobRun).where(JobRun.job_id == "boom")).scalar_one()
        assert row.outcome == "error" and "RuntimeError: disk on fire" in row.error and row.attempts == 1
        assert s.execute(select(Notification).where(Notification.title == "must be rolled back")).first() is None
    # An errored period may be retried; it then succeeds in the same row.
    retry = run_job(db.engine, "boom")
    assert retry.outcome == "ok"
    with _session(db) as s:
        row = s.execute(select(JobRun).where(JobRun.job_id == "boom")).scalar_one()
        assert (row.outcome, row.attempts, row.error) == ("ok", 2, None)


# --- scheduled re-assessment ------------------------------------------------------------------


def test_weekly_assessment_runs_once_per_week_and_tells_the_leads(db: Any, frozen: Any) -> None:
    with _session(db) as s:
        org = s.execute(select(User.organisation_id).where(User.email == USERS["lead_a"])).scalar_one()
        weekly = Assessment(
            organisation_id=org, name="Weekly watch", schedule="weekly", budget_capital=100000, budget_annual=50000
        )
        never = Assessment(organisation_id=org, name="Manual only", schedule="none")
        s.add_all([weekly, never])
        s.flush()
        weekly_id, never_id = weekly.id, never.id

    result = run_job(db.engine, "reassess")
    assert result.outcome == "ok", result.error
    assert result.counts["ran"] == 1
    with _session(db) as s:
        runs = s.execute(select(AssessmentRun).where(AssessmentRun.assessment_id == weekly_id)).scalars().all()
        assert [(r.trigger, r.period_key) for r in runs] == [("scheduled", "2030-W10")]
        assert s.execute(select(AssessmentRun).where(AssessmentRun.assessment_id == never_id)).first() is None
        notes = _notes(s, "lead_a", "assessment_run")
        assert len(notes) == 1 and notes[0].link == f"/assessments/{weekly_id}/runs/{runs[0].id}"
        assert _notes(s, "lead_b", "assessment_run") == []  # another organisation's lead
        assert _notes(s, "buyer_a", "assessment_run") == []  # leads only

    frozen.shift(timedelta(days=2))  # Friday, same ISO week: the daily job finds nothing to do
    again = run_job(db.engine, "reassess")
    assert again.outcome == "ok" and again.counts["ran"] == 0 and again.counts["already_ran"] == 1

    frozen.shift(timedelta(days=5))  # next week
    assert run_job(db.engine, "reassess").counts["ran"] == 1
    with _session(db) as s:
        keys = sorted(
            s.execute(select(AssessmentRun.period_key).where(AssessmentRun.assessment_id == weekly_id)).scalars()
        )
        assert keys == ["2030-W10", "2030-W11"]
        assert len(_notes(s, "lead_a", "assessment_run")) == 2


def test_scheduled_reports_generate_once_per_period(db: Any, frozen: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from assessments.reports.models import ReportSubscription

    made: list[dict[str, Any]] = []

    def fake_generate(session: Session, actor: Any, **kwargs: Any) -> Any:
        made.append(kwargs)
        return type("Report", (), {"id": "r1", "title": "Gap report"})()

    monkeypatch.setattr(report_services, "generate", fake_generate)
    with _session(db) as s:
        org = s.execute(select(User.organisation_id).where(User.email == USERS["lead_a"])).scalar_one()
        s.add(ReportSubscription(organisation_id=org, kind="gap_assessment", format="pdf", schedule="monthly"))
    assert run_job(db.engine, "scheduled_reports").counts["generated"] == 1
    frozen.shift(timedelta(days=1))
    assert run_job(db.engine, "scheduled_reports").counts["generated"] == 0  # same month
    assert [m["period_key"] for m in made] == ["2030-03"]
    with _session(db) as s:
        assert [n.link for n in _notes(s, "lead_a", "report_ready")] == ["/reports/r1"]


def test_scheduled_report_lands_in_the_library(db: Any, frozen: Any) -> None:
    from assessments import services as assessment_services
    from assessments.reports import subscriptions
    from assessments.reports.models import StoredReport
    from registry.accounts.services import actor_for

    with _session(db) as s:
        lead = actor_for(s, s.get(User, _user_id(s, "lead_a")))
        assessment = Assessment(organisation_id=lead.organisation_id, name="Monthly board pack", schedule="monthly")
        s.add(assessment)
        s.flush()
        assessment_services.run(s, lead, assessment)
        sub = subscriptions.create(
            s, lead, kind="capability_gap", source_id=assessment.id, schedule="monthly", fmt="json"
        )
        sub_id = sub.id
    result = run_job(db.engine, "scheduled_reports")
    assert result.outcome == "ok", result.error
    assert result.counts["generated"] == 1
    with _session(db) as s:
        [report] = s.execute(select(StoredReport).where(StoredReport.subscription_id == sub_id)).scalars().all()
        assert (report.period_key, report.organisation_id, report.format) == ("2030-03", lead.organisation_id, "json")
        assert [n.link for n in _notes(s, "lead_a", "report_ready")] == [f"/reports/{report.id}"]
    frozen.shift(timedelta(days=1))
    assert run_job(db.engine, "scheduled_reports").counts["generated"] == 0  # once per month


# --- licence renewals -------------------------------------------------------------------------


def test_licence_warnings_at_90_and_30_days_once_each(db: Any, frozen: Any) -> None:
    with _session(db) as s:
        _quiet_everything(s)
        org = s.execute(select(User.organisation_id).where(User.email == USERS["lead_a"])).scalar_one()
        items = (
            s.execute(select(InventoryItem).where(InventoryItem.organisation_id == org).order_by(InventoryItem.id))
            .scalars()
            .all()
        )
        for item, days in zip(items[:3], (91, 90, 89), strict=True):
            item.licence_end = TODAY + timedelta(days=days)
        ids = [i.id for i in items[:3]]

    first = run_job(db.engine, "licence_renewals")
    assert first.counts["items_warned"] == 2  # 90 and 89 days; 91 is not due yet
    with _session(db) as s:
        titles = [n.dedupe_key for n in _notes(s, "lead_a", "licence_renewal")]
        assert sorted(titles) == sorted(
            f"licence:{i}:{TODAY + timedelta(days=d)}:90" for i, d in zip(ids[1:], (90, 89), strict=True)
        )
        assert _notes(s, "buyer_a", "licence_renewal") == []

    frozen.shift(timedelta(days=1))  # 91 -> 90 now; the others stay in the 90 band: one new warning
    assert run_job(db.engine, "licence_renewals").counts["items_warned"] == 1
    frozen.shift(timedelta(days=58))  # the 89-day item now has 30 days left: the 30-day threshold
    result = run_job(db.engine, "licence_renewals")
    assert result.counts["items_warned"] == 1
    with _session(db) as s:
        assert len(_notes(s, "lead_a", "licence_renewal")) == 4


# --- outbox -------------------------------------------------------------------------------------


def test_outbox_sends_only_with_smtp_url(db: Any, frozen: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with _session(db) as s:
        notify_user(s, _user_id(s, "lead_a"), Message("test", "Hello", "Body", "/notifications"))
    with _session(db) as s:
        assert send_outbox(s, None)["sent"] == 0
        assert s.execute(select(OutboxEmail)).scalar_one().sent_at is None
    assert run_job(db.engine, "outbox").outcome == "skipped"

    delivered: list[Any] = []

    class FakeSMTP:
        def __init__(self, host: str, port: int, timeout: float) -> None:
            assert (host, port) == ("mail.example", 2525)

        def __enter__(self) -> FakeSMTP:
            return self

        def __exit__(self, *exc: Any) -> None:
            return None

        def login(self, user: str, password: str) -> None:
            assert (user, password) == ("u", "p w")

        def send_message(self, msg: Any) -> None:
            delivered.append(msg)

    monkeypatch.setattr("registry.notifications.services.smtplib.SMTP", FakeSMTP)
    with _session(db) as s:
        assert send_outbox(s, "smtp://u:p%20w@mail.example:2525")["sent"] == 1
    assert delivered[0]["To"] == USERS["lead_a"] and delivered[0]["Subject"] == "Hello"
    with _session(db) as s:
        assert s.execute(select(OutboxEmail)).scalar_one().sent_at is not None


# --- pages ------------------------------------------------------------------------------------


def _token(html: str) -> str:
    found = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert found, "page has no CSRF field"
    return found.group(1)


def sign_in(client: Any, who: str) -> str:
    form = client.get("/login")
    resp = client.post(
        "/login",
        data={"email": USERS[who], "password": DEMO_PASSWORD, "_csrf_token": _token(form.text)},
        follow_redirects=False,
    )
    assert resp.status_code in (302, 303), resp.text[:300]
    return _token(form.text)


def test_notifications_page_badge_and_mark_read(db: Any, client: Any) -> None:
    with _session(db) as s:
        me = _user_id(s, "lead_a")
        first = notify_user(s, me, Message("test", "First thing", "Details one", "/assessments"))
        notify_user(s, me, Message("test", "Second thing"))
        theirs = notify_user(s, _user_id(s, "lead_b"), Message("test", "Not yours"))
        first_id, theirs_id = first.id, theirs.id  # type: ignore[union-attr]
    token = sign_in(client, "lead_a")
    home = client.get("/")
    assert re.search(r'app-count-badge">2<span class="govuk-visually-hidden"> unread', home.text)
    page = client.get("/notifications")
    assert page.status_code == 200
    assert "First thing" in page.text and "Second thing" in page.text and "Not yours" not in page.text
    assert "You have 2 unread notifications." in page.text

    resp = client.post(f"/notifications/{first_id}/read", data={"_csrf_token": token}, follow_redirects=False)
    assert resp.status_code in (302, 303) and resp.headers["location"] == "/notifications"
    assert re.search(r'app-count-badge">1<', client.get("/").text)
    unread_only = client.get("/notifications?show=unread").text
    assert "First thing" not in unread_only and "Second thing" in unread_only

    # Someone else's notification is indistinguishable from a missing one.
    assert client.post(f"/notifications/{theirs_id}/read", data={"_csrf_token": token}).status_code == 404
    # Without the CSRF token the POST is refused.
    assert client.post("/notifications/read-all", data={}).status_code == 403

    opened = client.post(f"/notifications/{first_id}/open", data={"_csrf_token": token}, follow_redirects=False)
    assert opened.headers["location"] == "/assessments"
    client.post("/notifications/read-all", data={"_csrf_token": token})
    assert "app-count-badge" not in client.get("/").text
    with _session(db) as s:
        assert s.get(Notification, theirs_id).read_at is None


def test_notifications_page_needs_sign_in(client: Any) -> None:
    resp = client.get("/notifications", follow_redirects=False)
    assert resp.status_code in (302, 303) and resp.headers["location"].startswith("/login")


def test_admin_jobs_page_run_now_pause_resume_and_history(db: Any, client: Any) -> None:
    token = sign_in(client, "admin")
    page = client.get("/admin/jobs")
    assert page.status_code == 200
    for job in JOBS.values():
        assert job.title in page.text and f'action="/admin/jobs/{job.id}/run"' in page.text
    assert "Never run" in page.text and "Not running" in page.text  # tests never start a scheduler

    resp = client.post("/admin/jobs/licence_renewals/run", data={"_csrf_token": token}, follow_redirects=False)
    assert resp.status_code in (302, 303) and resp.headers["location"] == "/admin/jobs/licence_renewals"
    detail = client.get("/admin/jobs/licence_renewals")
    assert detail.status_code == 200 and "Licence renewals ran" in detail.text
    assert "Succeeded" in detail.text and "(run by hand at " in detail.text and "Manual run" in detail.text

    client.post("/admin/jobs/reassess/pause", data={"_csrf_token": token})
    paused = client.get("/admin/jobs").text
    assert paused.count("Not scheduled until resumed") == 1 and 'action="/admin/jobs/reassess/resume"' in paused
    client.post("/admin/jobs/reassess/resume", data={"_csrf_token": token})
    assert "Not scheduled until resumed" not in client.get("/admin/jobs").text
    assert client.get("/admin/jobs/no_such_job").status_code == 404

    outbox = client.get("/admin/outbox")
    assert outbox.status_code == 200 and "No mail server is configured" in outbox.text


@pytest.mark.parametrize("who", ["lead_a", "moderator", "supplier_a"])
def test_admin_pages_refuse_non_admins(client: Any, who: str) -> None:
    token = sign_in(client, who)
    assert client.get("/admin/jobs").status_code == 403
    assert client.get("/admin/jobs/listing_hygiene").status_code == 403
    assert client.get("/admin/outbox").status_code == 403
    assert client.post("/admin/jobs/listing_hygiene/run", data={"_csrf_token": token}).status_code == 403
    assert client.post("/admin/jobs/listing_hygiene/pause", data={"_csrf_token": token}).status_code == 403


def test_admin_pages_send_anonymous_visitors_to_sign_in(client: Any) -> None:
    resp = client.get("/admin/jobs", follow_redirects=False)
    assert resp.status_code in (302, 303) and resp.headers["location"].startswith("/login")


# --- API --------------------------------------------------------------------------------------


def test_jobs_api_for_admins_only(client: Any, auth: Any) -> None:
    listed = client.get("/api/v1/jobs", headers=auth("admin"))
    assert listed.status_code == 200
    assert [j["id"] for j in listed.json()] == list(JOBS)
    ran = client.post("/api/v1/jobs/licence_renewals/run", headers=auth("admin"))
    assert ran.status_code == 200 and ran.json()["outcome"] == "ok"
    again = client.post("/api/v1/jobs/licence_renewals/run?force=false", headers=auth("admin"))
    assert again.json()["outcome"] == "ok"  # the forced run had its own key; this is the period's first
    assert (
        client.post("/api/v1/jobs/licence_renewals/run?force=false", headers=auth("admin")).json()["outcome"]
        == "already-done"
    )
    history = client.get("/api/v1/jobs/licence_renewals/runs", headers=auth("admin")).json()
    assert len(history) == 2 and {h["trigger"] for h in history} == {"manual"}
    paused = client.post("/api/v1/jobs/outbox/pause", headers=auth("admin")).json()
    assert paused["paused"] is True and paused["next_run_time"] is None
    resumed = client.post("/api/v1/jobs/outbox/resume", headers=auth("admin")).json()
    assert resumed["paused"] is False and resumed["next_run_time"]
    assert client.get("/api/v1/jobs/nope/runs", headers=auth("admin")).status_code == 404

    for who in ("lead_a", "moderator", "supplier_a"):
        assert client.get("/api/v1/jobs", headers=auth(who)).status_code == 403
        assert client.post("/api/v1/jobs/listing_hygiene/run", headers=auth(who)).status_code == 403
    assert client.get("/api/v1/jobs").status_code == 401


def test_notifications_api_is_per_user(db: Any, client: Any, auth: Any) -> None:
    with _session(db) as s:
        mine = notify_user(s, _user_id(s, "lead_a"), Message("test", "For lead A"))
        theirs = notify_user(s, _user_id(s, "lead_b"), Message("test", "For lead B"))
        mine_id, theirs_id = mine.id, theirs.id  # type: ignore[union-attr]
    body = client.get("/api/v1/notifications", headers=auth("lead_a")).json()
    assert [n["title"] for n in body["items"]] == ["For lead A"] and body["unread"] == 1
    assert client.post(f"/api/v1/notifications/{theirs_id}/read", headers=auth("lead_a")).status_code == 404
    marked = client.post(f"/api/v1/notifications/{mine_id}/read", headers=auth("lead_a"))
    assert marked.status_code == 200 and marked.json()["read_at"]
    assert client.get("/api/v1/notifications?unread=true", headers=auth("lead_a")).json()["total"] == 0
    assert client.post("/api/v1/notifications/read-all", headers=auth("lead_b")).json() == {"marked": 1}
    assert client.get("/api/v1/notifications").status_code == 401


def test_scheduler_run_once_cli_prints_a_summary(db: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    from typer.testing import CliRunner

    from registry.cli import app as cli_app

    monkeypatch.setenv("DATABASE_URL", db.url)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    first = CliRunner().invoke(cli_app, ["scheduler", "--run-once"])
    assert first.exit_code == 0, first.output
    for job_id in JOBS:
        assert re.search(rf"^{job_id}\s+\S+\s+(ok|skipped)\s", first.output, re.M), first.output
    second = CliRunner().invoke(cli_app, ["scheduler", "--run-once"])
    assert second.output.count("already-done") == len(JOBS)


def test_date_used_is_uk_civil_date(db: Any) -> None:
    # 23:30 UTC on 30 June is already 1 July in London (BST): the period follows UK time.
    with time_machine.travel(datetime(2030, 6, 30, 23, 30, tzinfo=UTC), tick=False):
        assert run_job(db.engine, "licence_renewals").period_key == date(2030, 7, 1).isoformat()
