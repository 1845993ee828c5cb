"""Assessments: saved set-ups and their runs (inputs snapshot + results)

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assessment",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("workstreams", sa.JSON(), nullable=False),
        sa.Column("budget_capital", sa.Float(), nullable=False),
        sa.Column("budget_annual", sa.Float(), nullable=False),
        sa.Column("max_suppliers", sa.Integer(), nullable=True),
        sa.Column("min_sme_share", sa.Float(), nullable=True),
        sa.Column("min_classification", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
        sa.Column("schedule", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_assessment_organisation_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment")),
    )
    op.create_index(op.f("ix_assessment_organisation_id"), "assessment", ["organisation_id"], unique=False)
    op.create_table(
        "assessment_run",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("assessment_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("run_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("run_by", sa.Integer(), nullable=True),
        sa.Column("trigger", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("period_key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("overall_score", sa.Float(), nullable=True),
        sa.Column("full_count", sa.Integer(), nullable=False),
        sa.Column("partial_count", sa.Integer(), nullable=False),
        sa.Column("none_count", sa.Integer(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("recommendation", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessment.id"], name=op.f("fk_assessment_run_assessment_id_assessment")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_assessment_run_organisation_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_run")),
        sa.UniqueConstraint("assessment_id", "period_key", name=op.f("uq_assessment_run_assessment_id")),
    )
    op.create_index(op.f("ix_assessment_run_assessment_id"), "assessment_run", ["assessment_id"], unique=False)
    op.create_index(op.f("ix_assessment_run_organisation_id"), "assessment_run", ["organisation_id"], unique=False)
    op.create_index(op.f("ix_assessment_run_run_at"), "assessment_run", ["run_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_assessment_run_run_at"), table_name="assessment_run")
    op.drop_index(op.f("ix_assessment_run_organisation_id"), table_name="assessment_run")
    op.drop_index(op.f("ix_assessment_run_assessment_id"), table_name="assessment_run")
    op.drop_table("assessment_run")
    op.drop_index(op.f("ix_assessment_organisation_id"), table_name="assessment")
    op.drop_table("assessment")
