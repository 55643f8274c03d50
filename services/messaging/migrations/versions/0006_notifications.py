"""Notifications: Web Push subscriptions, e-mail digest preferences and quiet hours per organisation.

Revision ID: 0006
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

DDL: list[str] = []


def upgrade() -> None:
    for statement in DDL:
        op.execute(statement)
