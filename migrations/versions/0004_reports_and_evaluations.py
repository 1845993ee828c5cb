"""reports and evaluations: stored report jobs (with their bytes) and scored evaluations

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evaluation",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("shortlist_id", sa.Integer(), nullable=True),
        sa.Column("price_years", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_evaluation_organisation_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation")),
    )
    op.create_index(op.f("ix_evaluation_created_at"), "evaluation", ["created_at"], unique=False)
    op.create_index(op.f("ix_evaluation_organisation_id"), "evaluation", ["organisation_id"], unique=False)
    op.create_table(
        "stored_report",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("source_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("format", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("marking", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_by_label", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("period_key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("subscription_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_stored_report_organisation_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_report")),
        sa.UniqueConstraint("subscription_id", "period_key", name=op.f("uq_stored_report_subscription_id")),
    )
    op.create_index(op.f("ix_stored_report_created_at"), "stored_report", ["created_at"], unique=False)
    op.create_index(op.f("ix_stored_report_organisation_id"), "stored_report", ["organisation_id"], unique=False)
    op.create_index(op.f("ix_stored_report_status"), "stored_report", ["status"], unique=False)
    op.create_table(
        "evaluation_criterion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"], ["evaluation.id"], name=op.f("fk_evaluation_criterion_evaluation_id_evaluation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_criterion")),
        sa.UniqueConstraint("evaluation_id", "key", name=op.f("uq_evaluation_criterion_evaluation_id")),
    )
    op.create_index(
        op.f("ix_evaluation_criterion_evaluation_id"), "evaluation_criterion", ["evaluation_id"], unique=False
    )
    op.create_table(
        "evaluation_score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("tool_id", sa.Integer(), nullable=False),
        sa.Column("criterion_key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("scored_by", sa.Integer(), nullable=True),
        sa.Column("scored_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"], ["evaluation.id"], name=op.f("fk_evaluation_score_evaluation_id_evaluation")
        ),
        sa.ForeignKeyConstraint(["tool_id"], ["tool.id"], name=op.f("fk_evaluation_score_tool_id_tool")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_score")),
        sa.UniqueConstraint(
            "evaluation_id", "tool_id", "criterion_key", name=op.f("uq_evaluation_score_evaluation_id")
        ),
    )
    op.create_index(op.f("ix_evaluation_score_evaluation_id"), "evaluation_score", ["evaluation_id"], unique=False)
    op.create_table(
        "evaluation_tool",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("tool_id", sa.Integer(), nullable=False),
        sa.Column("tool_version", sa.Integer(), nullable=False),
        sa.Column("price", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"], ["evaluation.id"], name=op.f("fk_evaluation_tool_evaluation_id_evaluation")
        ),
        sa.ForeignKeyConstraint(["tool_id"], ["tool.id"], name=op.f("fk_evaluation_tool_tool_id_tool")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_tool")),
        sa.UniqueConstraint("evaluation_id", "tool_id", name=op.f("uq_evaluation_tool_evaluation_id")),
    )
    op.create_index(op.f("ix_evaluation_tool_evaluation_id"), "evaluation_tool", ["evaluation_id"], unique=False)
    op.create_index(op.f("ix_evaluation_tool_tool_id"), "evaluation_tool", ["tool_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_evaluation_tool_tool_id"), table_name="evaluation_tool")
    op.drop_index(op.f("ix_evaluation_tool_evaluation_id"), table_name="evaluation_tool")
    op.drop_table("evaluation_tool")
    op.drop_index(op.f("ix_evaluation_score_evaluation_id"), table_name="evaluation_score")
    op.drop_table("evaluation_score")
    op.drop_index(op.f("ix_evaluation_criterion_evaluation_id"), table_name="evaluation_criterion")
    op.drop_table("evaluation_criterion")
    op.drop_index(op.f("ix_stored_report_status"), table_name="stored_report")
    op.drop_index(op.f("ix_stored_report_organisation_id"), table_name="stored_report")
    op.drop_index(op.f("ix_stored_report_created_at"), table_name="stored_report")
    op.drop_table("stored_report")
    op.drop_index(op.f("ix_evaluation_organisation_id"), table_name="evaluation")
    op.drop_index(op.f("ix_evaluation_created_at"), table_name="evaluation")
    op.drop_table("evaluation")
