"""Wires the identity service together and runs it: `parta-identity [serve|migrate|rotate-keys]`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from parta.identity.v1 import identity_pb2_grpc
from services.common.auth import TokenVerifier
from services.common.grpcserver import GrpcServer
from services.common.mail import mailer_from
from services.common.runtime import ServiceRuntime, run_service
from services.common.serving import Servicer
from services.common.tasks import TaskSpawner, repeat
from services.identity.accounts import Accounts
from services.identity.api import PUBLIC_METHODS, SERVICE_NAME, IdentityServicer
from services.identity.codes import CodeLimits
from services.identity.config import DEV_PEPPER, IdentitySettings
from services.identity.destinations import Kind
from services.identity.events import directory_subscription
from services.identity.keyring import KeyRing
from services.identity.notices.events import identity_notices
from services.identity.senders import (
    CodeSender,
    DevMailbox,
    HttpSmsSender,
    NoSender,
    SenderRouter,
    SmtpEmailSender,
)
from services.identity.signin import SignIn, SignInPolicy
from services.identity.store import IdentityStore
from services.identity.verification import RoleVerifications, StoredOrgRoles

MIGRATIONS = "services.identity:migrations"
PURGE_EVERY_SECONDS = 3600  # one-time codes older than a day are deleted hourly


def build_sender(settings: IdentitySettings, dev_mailbox: DevMailbox) -> SenderRouter:
    """Real senders where configured; in development the dev mailbox takes what is not."""
    email: CodeSender = NoSender(Kind.EMAIL)
    phone: CodeSender = NoSender(Kind.PHONE)
    mailer = mailer_from(settings)
    if mailer is not None:
        email = SmtpEmailSender(mailer)
    elif settings.dev:
        email = dev_mailbox
    if settings.sms_url:
        phone = HttpSmsSender(url=settings.sms_url, token=settings.sms_token.get_secret_value())
    elif settings.dev:
        phone = dev_mailbox
    return SenderRouter(email=email, phone=phone)


class IdentityApp:
    """The identity service process: the shared runtime plus identity's domain and servicer."""

    def __init__(self, settings: IdentitySettings, sender: CodeSender | None = None) -> None:
        if not settings.dev and settings.code_pepper.get_secret_value() == DEV_PEPPER:
            raise SystemExit(
                "identity: set PARTA_CODE_PEPPER to a secret (the built-in one is for development only)"
            )
        self.settings = settings
        self.runtime = ServiceRuntime("identity", settings, migrations=MIGRATIONS)
        self.store = IdentityStore()
        db = self.runtime.db
        self.keys = KeyRing(
            db,
            self.store,
            access_ttl=timedelta(seconds=settings.access_ttl_seconds),
            rotation_period=timedelta(days=settings.key_rotation_days),
            reload_interval=settings.key_reload_seconds,
        )
        self.sender = sender or build_sender(settings, DevMailbox(db, self.store))
        self.signin = SignIn(
            db,
            self.store,
            self.keys,
            self.sender,
            SignInPolicy(
                code_ttl=timedelta(seconds=settings.code_ttl_seconds),
                max_attempts=settings.code_max_attempts,
                limits=CodeLimits(
                    resend_seconds=settings.code_resend_seconds,
                    per_destination_per_hour=settings.codes_per_destination_per_hour,
                    per_address_per_hour=settings.codes_per_address_per_hour,
                ),
                refresh_ttl=timedelta(days=settings.refresh_ttl_days),
                pepper=settings.code_pepper.get_secret_value().encode(),
            ),
        )
        self.accounts = Accounts(db, self.store)
        self.verifications = RoleVerifications(db, self.store, StoredOrgRoles(self.store))
        self.runtime.subscriptions.append(directory_subscription(self.store, self.verifications))
        self.runtime.subscriptions.append(identity_notices(lambda: self.runtime.nc, self.sender))
        self.grpc: GrpcServer | None = None
        self.tasks = TaskSpawner("identity")

    async def start(self) -> None:
        await self.runtime.open()
        await self.keys.load()
        servicer = IdentityServicer(
            db=self.runtime.db,
            store=self.store,
            signin=self.signin,
            accounts=self.accounts,
            verifications=self.verifications,
            keys=self.keys,
            dev=self.settings.dev,
        )
        self.grpc = await self.runtime.serve_grpc(
            # Identity holds the keys itself: no need to ask for them again on an unknown kid.
            TokenVerifier(self.keys.public_keys, refresh_interval=0),
            [Servicer(identity_pb2_grpc.add_IdentityServicer_to_server, servicer, SERVICE_NAME)],
            public_methods=PUBLIC_METHODS,
        )
        self.tasks.spawn(
            repeat(self._purge_old_codes, every=PURGE_EVERY_SECONDS, name="purge_codes"),
            name="identity-housekeeping",
        )

    async def _purge_old_codes(self) -> None:
        async with self.runtime.db.transaction("purge_codes") as conn:
            await self.store.purge_codes(conn, datetime.now(UTC) - timedelta(days=1))

    async def stop(self) -> None:
        await self.tasks.close()
        await self.runtime.close()
        await self.sender.close()


async def rotate_keys(settings: IdentitySettings, args: list[str]) -> None:
    app = IdentityApp(settings)
    await app.runtime.open()
    try:
        kid = await app.keys.rotate()
        await app.runtime.flush_outbox()
        print(f"new signing key: {kid}")
    finally:
        await app.runtime.db.close()
        await app.runtime.nc.close()


def main() -> None:
    run_service(
        "identity", IdentitySettings, IdentityApp, MIGRATIONS, extra_commands={"rotate-keys": rotate_keys}
    )


if __name__ == "__main__":
    main()
