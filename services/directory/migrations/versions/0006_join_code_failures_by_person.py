"""Unknown join codes are counted per signed-in person (with the address as a ceiling), so that a
school behind one NAT address is not locked out by one person's typos (R-INV-3, R-INV-2).

Revision ID: 0006
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE join_code_failures ADD COLUMN user_id UUID")
    op.execute("CREATE INDEX join_code_failures_person ON join_code_failures (user_id, at)")


def downgrade() -> None:
    op.execute("DROP INDEX join_code_failures_person")
    op.execute("ALTER TABLE join_code_failures DROP COLUMN user_id")
