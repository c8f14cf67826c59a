"""ticket notices wait while the citizen is in a form or with a person

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 03:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket_notices") as batch:
        batch.add_column(sa.Column("not_before", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ticket_notices") as batch:
        batch.drop_column("not_before")
