"""sign-in throttling in a sliding window, one-time links, email verification and pending
buyer members: throttle_key, throttle_event, one_time_token (replacing login_attempt);
user_account.email_verified_at and user_account.awaiting_approval

Revision ID: 0008
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "throttle_key",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_throttle_key")),
    )
    op.create_table(
        "throttle_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_throttle_event")),
    )
    op.create_index(op.f("ix_throttle_event_key"), "throttle_event", ["key"], unique=False)
    op.create_index(op.f("ix_throttle_event_at"), "throttle_event", ["at"], unique=False)
    op.create_table(
        "one_time_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_one_time_token_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_one_time_token")),
    )
    op.create_index(op.f("ix_one_time_token_purpose"), "one_time_token", ["purpose"], unique=False)
    op.create_index(op.f("ix_one_time_token_user_id"), "one_time_token", ["user_id"], unique=False)
    op.create_index(op.f("ix_one_time_token_token_hash"), "one_time_token", ["token_hash"], unique=True)
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_verified_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("awaiting_approval", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.alter_column("awaiting_approval", server_default=None)
    # Every account that exists already was made by staff, a seed or the CLI: verified.
    op.execute("UPDATE user_account SET email_verified_at = created_at")
    with op.batch_alter_table("login_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_attempt_key"))
    op.drop_table("login_attempt")


def downgrade() -> None:
    op.create_table(
        "login_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempt")),
    )
    with op.batch_alter_table("login_attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_attempt_key"), ["key"], unique=False)
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("awaiting_approval")
        batch_op.drop_column("email_verified_at")
    op.drop_index(op.f("ix_one_time_token_token_hash"), table_name="one_time_token")
    op.drop_index(op.f("ix_one_time_token_user_id"), table_name="one_time_token")
    op.drop_index(op.f("ix_one_time_token_purpose"), table_name="one_time_token")
    op.drop_table("one_time_token")
    op.drop_index(op.f("ix_throttle_event_at"), table_name="throttle_event")
    op.drop_index(op.f("ix_throttle_event_key"), table_name="throttle_event")
    op.drop_table("throttle_event")
    op.drop_table("throttle_key")
