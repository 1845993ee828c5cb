"""shortlists: named per-user lists of tools

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "shortlist",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"],
                                name=op.f("fk_shortlist_organisation_id_organisation")),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_shortlist_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shortlist")),
    )
    with op.batch_alter_table("shortlist", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shortlist_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_shortlist_user_id"), ["user_id"], unique=False)

    op.create_table(
        "shortlist_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shortlist_id", sa.Integer(), nullable=False),
        sa.Column("tool_id", sa.Integer(), nullable=False),
        sa.Column("tool_version", sa.Integer(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("added_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["shortlist_id"], ["shortlist.id"],
                                name=op.f("fk_shortlist_item_shortlist_id_shortlist")),
        sa.ForeignKeyConstraint(["tool_id"], ["tool.id"], name=op.f("fk_shortlist_item_tool_id_tool")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shortlist_item")),
        sa.UniqueConstraint("shortlist_id", "tool_id", name=op.f("uq_shortlist_item_shortlist_id")),
    )
    with op.batch_alter_table("shortlist_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shortlist_item_shortlist_id"), ["shortlist_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_shortlist_item_tool_id"), ["tool_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("shortlist_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shortlist_item_tool_id"))
        batch_op.drop_index(batch_op.f("ix_shortlist_item_shortlist_id"))
    op.drop_table("shortlist_item")
    with op.batch_alter_table("shortlist", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shortlist_user_id"))
        batch_op.drop_index(batch_op.f("ix_shortlist_organisation_id"))
    op.drop_table("shortlist")
