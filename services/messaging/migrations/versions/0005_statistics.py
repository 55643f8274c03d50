"""Weekly statistics per organisation (R-STAT-1), kept from events in tables made for them.

Revision ID: 0005
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

DDL: list[str] = []


def upgrade() -> None:
    for statement in DDL:
        op.execute(statement)
