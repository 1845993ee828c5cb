"""Jobs and notifications: job runs, notifications, e-mail outbox, report subscriptions,
listing flags and APScheduler's job store table.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "apscheduler_jobs",
        sa.Column("id", sa.Unicode(length=191), nullable=False),
        sa.Column("next_run_time", sa.Float(precision=25), nullable=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apscheduler_jobs")),
    )
    op.create_index(op.f("ix_apscheduler_jobs_next_run_time"), "apscheduler_jobs", ["next_run_time"], unique=False)
    op.create_table(
        "job_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("period_key", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("trigger", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_run")),
        sa.UniqueConstraint("job_id", "period_key", name=op.f("uq_job_run_job_id")),
    )
    op.create_index(op.f("ix_job_run_job_id"), "job_run", ["job_id"], unique=False)
    op.create_index(op.f("ix_job_run_started_at"), "job_run", ["started_at"], unique=False)
    op.create_table(
        "report_subscription",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("format", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("schedule", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("source_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("marking", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("last_period_key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_report_subscription_organisation_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_subscription")),
    )
    op.create_index(
        op.f("ix_report_subscription_organisation_id"), "report_subscription", ["organisation_id"], unique=False
    )
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("link", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("dedupe_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("read_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_notification_organisation_id_organisation")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_notification_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint("user_id", "dedupe_key", name=op.f("uq_notification_user_id")),
    )
    op.create_index(op.f("ix_notification_created_at"), "notification", ["created_at"], unique=False)
    op.create_index(op.f("ix_notification_organisation_id"), "notification", ["organisation_id"], unique=False)
    op.create_index("ix_notification_user_unread", "notification", ["user_id", "read_at"], unique=False)
    op.create_table(
        "outbox_email",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("to_address", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["notification_id"], ["notification.id"], name=op.f("fk_outbox_email_notification_id_notification")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_email")),
    )
    op.create_index(op.f("ix_outbox_email_created_at"), "outbox_email", ["created_at"], unique=False)
    op.create_index(op.f("ix_outbox_email_notification_id"), "outbox_email", ["notification_id"], unique=False)
    op.create_index(op.f("ix_outbox_email_sent_at"), "outbox_email", ["sent_at"], unique=False)
    op.create_table(
        "tool_flag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tool_id", sa.Integer(), nullable=False),
        sa.Column("flag", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("since", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["tool_id"], ["tool.id"], name=op.f("fk_tool_flag_tool_id_tool")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tool_flag")),
        sa.UniqueConstraint("tool_id", "flag", name=op.f("uq_tool_flag_tool_id")),
    )
    op.create_index(op.f("ix_tool_flag_flag"), "tool_flag", ["flag"], unique=False)
    op.create_index(op.f("ix_tool_flag_tool_id"), "tool_flag", ["tool_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_tool_flag_tool_id"), table_name="tool_flag")
    op.drop_index(op.f("ix_tool_flag_flag"), table_name="tool_flag")
    op.drop_table("tool_flag")
    op.drop_index(op.f("ix_outbox_email_sent_at"), table_name="outbox_email")
    op.drop_index(op.f("ix_outbox_email_notification_id"), table_name="outbox_email")
    op.drop_index(op.f("ix_outbox_email_created_at"), table_name="outbox_email")
    op.drop_table("outbox_email")
    op.drop_index("ix_notification_user_unread", table_name="notification")
    op.drop_index(op.f("ix_notification_organisation_id"), table_name="notification")
    op.drop_index(op.f("ix_notification_created_at"), table_name="notification")
    op.drop_table("notification")
    op.drop_index(op.f("ix_report_subscription_organisation_id"), table_name="report_subscription")
    op.drop_table("report_subscription")
    op.drop_index(op.f("ix_job_run_started_at"), table_name="job_run")
    op.drop_index(op.f("ix_job_run_job_id"), table_name="job_run")
    op.drop_table("job_run")
    op.drop_index(op.f("ix_apscheduler_jobs_next_run_time"), table_name="apscheduler_jobs")
    op.drop_table("apscheduler_jobs")
