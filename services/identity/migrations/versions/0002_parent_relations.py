"""Read model of directory's parent links and claims (R-ROLE-6): who a parent is to which child in
an organisation, for the name fellow members see («Ольга Смирнова, мама Миши Смирнова»).

Revision ID: 0002
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE parent_relations (
            organisation_id UUID NOT NULL,
            parent_id UUID NOT NULL,
            child_key TEXT NOT NULL,
            child_id UUID,
            child_first_name TEXT NOT NULL DEFAULT '',
            child_last_name TEXT NOT NULL DEFAULT '',
            relation TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (organisation_id, parent_id, child_key)
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE parent_relations")
