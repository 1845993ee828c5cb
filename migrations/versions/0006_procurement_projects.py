"""procurement projects and listing versions: listing_version, procurement_project,
project_requirement, saved_search, frozen_result, procurement_decision, procurement_outcome

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "listing_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_type", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("diff", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listing_version")),
        sa.UniqueConstraint("entity_type", "entity_id", "number", name=op.f("uq_listing_version_entity_type")),
    )
    op.create_index(op.f("ix_listing_version_entity_id"), "listing_version", ["entity_id"], unique=False)
    op.create_index(op.f("ix_listing_version_entity_type"), "listing_version", ["entity_type"], unique=False)
    op.create_table(
        "procurement_project",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("need_statement", sqlmodel.sql.sqltypes.AutoString(length=5000), nullable=False),
        sa.Column("budget", sa.Float(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user_account.id"], name=op.f("fk_procurement_project_created_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_procurement_project_organisation_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procurement_project")),
    )
    op.create_index(op.f("ix_procurement_project_created_by"), "procurement_project", ["created_by"], unique=False)
    op.create_index(
        op.f("ix_procurement_project_organisation_id"), "procurement_project", ["organisation_id"], unique=False
    )
    op.create_index(op.f("ix_procurement_project_status"), "procurement_project", ["status"], unique=False)
    op.create_table(
        "procurement_outcome",
        sa.Column("project_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("tool_id", sa.Integer(), nullable=True),
        sa.Column("tool_version_number", sa.Integer(), nullable=True),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["procurement_project.id"],
            name=op.f("fk_procurement_outcome_project_id_procurement_project"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["user_account.id"], name=op.f("fk_procurement_outcome_recorded_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["supplier.id"], name=op.f("fk_procurement_outcome_supplier_id_supplier")
        ),
        sa.ForeignKeyConstraint(["tool_id"], ["tool.id"], name=op.f("fk_procurement_outcome_tool_id_tool")),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_procurement_outcome")),
    )
    op.create_table(
        "project_requirement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("requirement_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["procurement_project.id"],
            name=op.f("fk_project_requirement_project_id_procurement_project"),
        ),
        sa.ForeignKeyConstraint(
            ["requirement_id"], ["requirement.id"], name=op.f("fk_project_requirement_requirement_id_requirement")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_requirement")),
        sa.UniqueConstraint("project_id", "requirement_id", name=op.f("uq_project_requirement_project_id")),
    )
    op.create_index(op.f("ix_project_requirement_project_id"), "project_requirement", ["project_id"], unique=False)
    op.create_index(
        op.f("ix_project_requirement_requirement_id"), "project_requirement", ["requirement_id"], unique=False
    )
    op.create_table(
        "saved_search",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("query", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("result_count", sa.Integer(), nullable=False),
        sa.Column("frozen", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user_account.id"], name=op.f("fk_saved_search_created_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["procurement_project.id"], name=op.f("fk_saved_search_project_id_procurement_project")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_search")),
    )
    op.create_index(op.f("ix_saved_search_project_id"), "saved_search", ["project_id"], unique=False)
    op.create_table(
        "frozen_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("saved_search_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("tool_id", sa.Integer(), nullable=False),
        sa.Column("tool_version_number", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("suggestions", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["procurement_project.id"], name=op.f("fk_frozen_result_project_id_procurement_project")
        ),
        sa.ForeignKeyConstraint(
            ["saved_search_id"], ["saved_search.id"], name=op.f("fk_frozen_result_saved_search_id_saved_search")
        ),
        sa.ForeignKeyConstraint(["supplier_id"], ["supplier.id"], name=op.f("fk_frozen_result_supplier_id_supplier")),
        sa.ForeignKeyConstraint(["tool_id"], ["tool.id"], name=op.f("fk_frozen_result_tool_id_tool")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_frozen_result")),
        sa.UniqueConstraint("project_id", "tool_id", name=op.f("uq_frozen_result_project_id")),
    )
    op.create_index(op.f("ix_frozen_result_project_id"), "frozen_result", ["project_id"], unique=False)
    op.create_index(op.f("ix_frozen_result_saved_search_id"), "frozen_result", ["saved_search_id"], unique=False)
    op.create_index(op.f("ix_frozen_result_supplier_id"), "frozen_result", ["supplier_id"], unique=False)
    op.create_index(op.f("ix_frozen_result_tool_id"), "frozen_result", ["tool_id"], unique=False)
    op.create_table(
        "procurement_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("frozen_result_id", sa.Integer(), nullable=False),
        sa.Column("decision", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("reason_code", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("reason_text", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("suggested", sa.Boolean(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=False),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["user_account.id"], name=op.f("fk_procurement_decision_decided_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["frozen_result_id"],
            ["frozen_result.id"],
            name=op.f("fk_procurement_decision_frozen_result_id_frozen_result"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procurement_decision")),
    )
    op.create_index(
        op.f("ix_procurement_decision_frozen_result_id"), "procurement_decision", ["frozen_result_id"], unique=True
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_procurement_decision_frozen_result_id"), table_name="procurement_decision")
    op.drop_table("procurement_decision")
    op.drop_index(op.f("ix_frozen_result_tool_id"), table_name="frozen_result")
    op.drop_index(op.f("ix_frozen_result_supplier_id"), table_name="frozen_result")
    op.drop_index(op.f("ix_frozen_result_saved_search_id"), table_name="frozen_result")
    op.drop_index(op.f("ix_frozen_result_project_id"), table_name="frozen_result")
    op.drop_table("frozen_result")
    op.drop_index(op.f("ix_saved_search_project_id"), table_name="saved_search")
    op.drop_table("saved_search")
    op.drop_index(op.f("ix_project_requirement_requirement_id"), table_name="project_requirement")
    op.drop_index(op.f("ix_project_requirement_project_id"), table_name="project_requirement")
    op.drop_table("project_requirement")
    op.drop_table("procurement_outcome")
    op.drop_index(op.f("ix_procurement_project_status"), table_name="procurement_project")
    op.drop_index(op.f("ix_procurement_project_organisation_id"), table_name="procurement_project")
    op.drop_index(op.f("ix_procurement_project_created_by"), table_name="procurement_project")
    op.drop_table("procurement_project")
    op.drop_index(op.f("ix_listing_version_entity_type"), table_name="listing_version")
    op.drop_index(op.f("ix_listing_version_entity_id"), table_name="listing_version")
    op.drop_table("listing_version")
