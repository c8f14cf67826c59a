"""co-handling: co-departments (协办) of a ticket, each accepting and answering its part

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 04:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ticket_co_departments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id", "department"),
    )
    with op.batch_alter_table("ticket_co_departments") as batch:
        batch.create_index("ix_ticket_co_departments_ticket_id", ["ticket_id"])
        batch.create_index("ix_ticket_co_departments_department", ["department"])


def downgrade() -> None:
    op.drop_table("ticket_co_departments")
