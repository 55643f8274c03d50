"""Notifications: Web Push subscriptions, e-mail digest preferences and quiet hours per organisation.

`notify_vapid_keys` holds the one VAPID key pair generated on first use (unless a key is given in the
settings); `push_subscriptions` the browsers a member subscribed (one row per push endpoint);
`notify_settings` the opt-in e-mail digest and when it was last sent; `notify_organisations` each
organisation's time zone (from directory's events) and its quiet hours (set by its administrator).

Revision ID: 0006
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

DDL: list[str] = [
    """CREATE TABLE notify_vapid_keys (
        id SMALLINT PRIMARY KEY CHECK (id = 1),
        private_key TEXT NOT NULL,
        public_key TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )""",
    """CREATE TABLE push_subscriptions (
        id UUID PRIMARY KEY,
        user_id UUID NOT NULL,
        endpoint TEXT NOT NULL UNIQUE,
        p256dh TEXT NOT NULL,
        auth TEXT NOT NULL,
        user_agent TEXT NOT NULL DEFAULT '',
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        last_push_at TIMESTAMPTZ
    )""",
    "CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id)",
    """CREATE TABLE notify_settings (
        user_id UUID PRIMARY KEY,
        digest BOOLEAN NOT NULL DEFAULT false,
        email TEXT NOT NULL DEFAULT '',
        last_digest_at TIMESTAMPTZ,
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )""",
    "CREATE INDEX notify_settings_digest ON notify_settings (user_id) WHERE digest",
    """CREATE TABLE notify_organisations (
        organisation_id UUID PRIMARY KEY,
        time_zone TEXT NOT NULL DEFAULT '',
        quiet_enabled BOOLEAN NOT NULL DEFAULT true,
        quiet_start SMALLINT NOT NULL DEFAULT 1260 CHECK (quiet_start >= 0 AND quiet_start < 1440),
        quiet_end SMALLINT NOT NULL DEFAULT 480 CHECK (quiet_end >= 0 AND quiet_end < 1440),
        updated_by UUID,
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )""",
]


def upgrade() -> None:
    for statement in DDL:
        op.execute(statement)
