"""Weekly statistics per organisation (R-STAT-1), kept from events in tables made for them.

Revision ID: 0005
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Each consumer of the statistics is idempotent through processed_events (the inbox); these tables
# hold only counters and the distinct sets the counters come from, per organisation and week
# (`week_start` is the Monday of an ISO week in the organisation's time zone).
DDL = [
    # What statistics needs of the directory: a name for the operator's table, the time zone weeks
    # are cut in, and each member's current roles (to tell a new role from a known one).
    """CREATE TABLE stats_organisations (
        id UUID PRIMARY KEY,
        name TEXT NOT NULL DEFAULT '',
        time_zone TEXT NOT NULL DEFAULT ''
    )""",
    """CREATE TABLE stats_member_roles (
        organisation_id UUID NOT NULL,
        user_id UUID NOT NULL,
        roles TEXT[] NOT NULL,
        version BIGINT NOT NULL,
        PRIMARY KEY (organisation_id, user_id)
    )""",
    """CREATE TABLE stats_weeks (
        organisation_id UUID NOT NULL,
        week_start DATE NOT NULL CHECK (extract(isodow FROM week_start) = 1),
        members_joined INTEGER NOT NULL DEFAULT 0,
        members_departed INTEGER NOT NULL DEFAULT 0,
        active_users INTEGER NOT NULL DEFAULT 0,
        messages BIGINT NOT NULL DEFAULT 0,
        chats_created INTEGER NOT NULL DEFAULT 0,
        calls INTEGER NOT NULL DEFAULT 0,
        call_seconds BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY (organisation_id, week_start)
    )""",
    """CREATE TABLE stats_role_weeks (
        organisation_id UUID NOT NULL,
        week_start DATE NOT NULL CHECK (extract(isodow FROM week_start) = 1),
        role TEXT NOT NULL,
        joined INTEGER NOT NULL DEFAULT 0,
        departed INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (organisation_id, week_start, role)
    )""",
    # The distinct people active in a week: the key makes a second sighting change nothing.
    """CREATE TABLE stats_active_users (
        organisation_id UUID NOT NULL,
        week_start DATE NOT NULL,
        user_id UUID NOT NULL,
        PRIMARY KEY (organisation_id, week_start, user_id)
    )""",
]


def upgrade() -> None:
    for statement in DDL:
        op.execute(statement)
