"""Polls on messages (single or multiple choice, anonymous or not, closing) and their votes.

Revision ID: 0007
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

DDL: list[str] = []


def upgrade() -> None:
    for statement in DDL:
        op.execute(statement)
