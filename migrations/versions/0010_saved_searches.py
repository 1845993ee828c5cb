"""a user's saved searches with opt-in alerts: user_saved_search, user_saved_search_seen

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "user_saved_search",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("query", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("alerts", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_alert_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_user_saved_search_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_saved_search")),
    )
    op.create_index(op.f("ix_user_saved_search_user_id"), "user_saved_search", ["user_id"], unique=False)
    op.create_table(
        "user_saved_search_seen",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("saved_search_id", sa.Integer(), nullable=False),
        sa.Column("tool_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["saved_search_id"],
            ["user_saved_search.id"],
            name=op.f("fk_user_saved_search_seen_saved_search_id_user_saved_search"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_saved_search_seen")),
        sa.UniqueConstraint("saved_search_id", "tool_id", name=op.f("uq_user_saved_search_seen_saved_search_id")),
    )
    op.create_index(
        op.f("ix_user_saved_search_seen_saved_search_id"), "user_saved_search_seen", ["saved_search_id"], unique=False
    )
    op.create_index(op.f("ix_user_saved_search_seen_tool_id"), "user_saved_search_seen", ["tool_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_user_saved_search_seen_tool_id"), table_name="user_saved_search_seen")
    op.drop_index(op.f("ix_user_saved_search_seen_saved_search_id"), table_name="user_saved_search_seen")
    op.drop_table("user_saved_search_seen")
    op.drop_index(op.f("ix_user_saved_search_user_id"), table_name="user_saved_search")
    op.drop_table("user_saved_search")
