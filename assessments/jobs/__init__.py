"""Scheduled jobs (listing hygiene, scheduled re-assessments and reports, licence renewals),
in-app notifications and the e-mail outbox. See rules.py (pure), jobs.py, scheduler.py."""
