"""Identity's gRPC servicer: reads the request, asks the domain, shapes the reply. No rules here."""

from __future__ import annotations

from typing import Any, TypeAlias

from sqlalchemy import Row

from parta.identity.v1 import identity_pb2 as pb
from parta.identity.v1 import identity_pb2_grpc
from services.common.auth import current_principal
from services.common.convert import parse_uuid, role_value, to_timestamp
from services.common.db import Database
from services.common.errors import InvalidArgument, NotFound
from services.common.grpcserver import CLIENT_ADDRESS_KEY, USER_AGENT_KEY, metadata_value
from services.identity.accounts import Accounts, Profile
from services.identity.destinations import parse_destination
from services.identity.keyring import KeyRing
from services.identity.signin import ChildName, SignIn, Tokens
from services.identity.store import IdentityStore
from services.identity.verification import STATUSES, RoleVerifications

Context: TypeAlias = Any  # grpc.aio.ServicerContext (grpcio ships no type hints)

SERVICE_NAME = "parta.identity.v1.Identity"
PUBLIC_METHODS = frozenset(
    f"/{SERVICE_NAME}/{name}"
    for name in ("RequestCode", "VerifyCode", "RefreshToken", "GetSigningKeys", "ListDevMail")
)


def _child(request: pb.RequestCodeRequest | pb.VerifyCodeRequest) -> ChildName | None:
    if not request.HasField("child"):
        return None
    return ChildName.parse(request.child.first_name, request.child.last_name)


def _client_address(context: Context) -> str:
    return metadata_value(context, CLIENT_ADDRESS_KEY) or context.peer() or "unknown"


def _tokens(tokens: Tokens) -> pb.TokenPair:
    return pb.TokenPair(
        access_token=tokens.access_token,
        access_expires_in_seconds=tokens.access_expires_in,
        refresh_token=tokens.refresh_token,
        session_id=tokens.session_id,
        user_id=tokens.user_id,
        account_created=tokens.account_created,
    )


def verification_message(row: Row[Any]) -> pb.RoleVerification:
    return pb.RoleVerification(
        id=str(row.id),
        user_id=str(row.user_id),
        organisation_id=str(row.organisation_id),
        role=role_value(row.role),
        status=pb.RoleVerification.Status.Value("STATUS_" + row.status.upper()),
        decided_by=str(row.decided_by or ""),
        decided_at=to_timestamp(row.decided_at),
        reason=row.reason,
        created_at=to_timestamp(row.created_at),
    )


def user_message(profile: Profile) -> pb.User:
    user = profile.user
    return pb.User(
        id=str(user.id),
        display_name=user.display_name,
        first_name=user.first_name,
        last_name=user.last_name,
        avatar_url=user.avatar_url,
        phone=user.phone or "",
        email=user.email or "",
        guardian_email=user.guardian_email or "",
        children=[
            pb.ChildAccount(user_id=str(c.id), first_name=c.first_name, last_name=c.last_name)
            for c in profile.children
        ],
        verifications=[verification_message(v) for v in profile.verifications],
        created_at=to_timestamp(user.created_at),
    )


class IdentityServicer(identity_pb2_grpc.IdentityServicer):
    def __init__(
        self,
        *,
        db: Database,
        store: IdentityStore,
        signin: SignIn,
        accounts: Accounts,
        verifications: RoleVerifications,
        keys: KeyRing,
        dev: bool,
    ) -> None:
        self._db = db
        self._store = store
        self._signin = signin
        self._accounts = accounts
        self._verifications = verifications
        self._keys = keys
        self._dev = dev

    async def _live_user(self) -> str:
        principal = current_principal()
        await self._signin.require_live_session(principal.session_id)
        return principal.user_id

    async def RequestCode(self, request: pb.RequestCodeRequest, context: Context) -> pb.RequestCodeResponse:
        sent = await self._signin.request_code(request.destination, _child(request), _client_address(context))
        return pb.RequestCodeResponse(
            sent_to=sent.sent_to, expires_in_seconds=sent.expires_in, resend_after_seconds=sent.resend_after
        )

    async def VerifyCode(self, request: pb.VerifyCodeRequest, context: Context) -> pb.TokenPair:
        device = request.device_name or metadata_value(context, USER_AGENT_KEY) or ""
        tokens = await self._signin.verify_code(
            request.destination,
            request.code,
            _child(request),
            device_name=device,
            address=_client_address(context),
        )
        return _tokens(tokens)

    async def RefreshToken(self, request: pb.RefreshTokenRequest, context: Context) -> pb.TokenPair:
        if not request.refresh_token:
            raise InvalidArgument("Нет токена обновления")
        return _tokens(await self._signin.refresh(request.refresh_token))

    async def Logout(self, request: pb.LogoutRequest, context: Context) -> pb.LogoutResponse:
        principal = current_principal()
        await self._signin.revoke_session(principal.user_id, principal.session_id, "logout")
        return pb.LogoutResponse()

    async def GetMe(self, request: pb.GetMeRequest, context: Context) -> pb.User:
        return user_message(await self._accounts.profile(await self._live_user()))

    async def UpdateMe(self, request: pb.UpdateMeRequest, context: Context) -> pb.User:
        changes = {
            name: getattr(request, name) if request.HasField(name) else None
            for name in ("display_name", "first_name", "last_name", "avatar_url")
        }
        return user_message(await self._accounts.update_profile(await self._live_user(), changes))

    async def ListSessions(
        self, request: pb.ListSessionsRequest, context: Context
    ) -> pb.ListSessionsResponse:
        user_id = await self._live_user()
        current = current_principal().session_id
        return pb.ListSessionsResponse(
            sessions=[
                pb.Session(
                    id=str(s.id),
                    device_name=s.device_name,
                    client_address=s.client_address,
                    created_at=to_timestamp(s.created_at),
                    last_used_at=to_timestamp(s.last_used_at),
                    current=str(s.id) == current,
                )
                for s in await self._accounts.sessions(user_id)
            ]
        )

    async def RevokeSession(
        self, request: pb.RevokeSessionRequest, context: Context
    ) -> pb.RevokeSessionResponse:
        user_id = await self._live_user()
        parse_uuid(request.session_id, "сеанс")
        if not await self._signin.revoke_session(user_id, request.session_id, "revoked_by_user"):
            raise NotFound("Сеанс не найден или уже завершён")
        return pb.RevokeSessionResponse()

    async def GetSigningKeys(
        self, request: pb.GetSigningKeysRequest, context: Context
    ) -> pb.GetSigningKeysResponse:
        active = await self._keys.active_kid()
        return pb.GetSigningKeysResponse(
            keys=[
                pb.SigningKey(kid=k.kid, x=k.x, active=k.kid == active)
                for k in await self._keys.public_keys()
            ]
        )

    async def GetProfiles(self, request: pb.GetProfilesRequest, context: Context) -> pb.GetProfilesResponse:
        profiles = await self._accounts.profiles_in(
            await self._live_user(), request.organisation_id, list(request.user_ids)
        )
        return pb.GetProfilesResponse(
            profiles=[
                pb.Profile(user_id=p.user_id, name=p.name, avatar_url=p.avatar_url, label=p.label)
                for p in profiles
            ]
        )

    async def RequestRoleVerification(
        self, request: pb.RequestRoleVerificationRequest, context: Context
    ) -> pb.RoleVerification:
        row = await self._verifications.request(
            await self._live_user(), request.organisation_id, request.role
        )
        return verification_message(row)

    async def DecideRoleVerification(
        self, request: pb.DecideRoleVerificationRequest, context: Context
    ) -> pb.RoleVerification:
        row = await self._verifications.decide(
            await self._live_user(), request.verification_id, verified=request.verified, reason=request.reason
        )
        return verification_message(row)

    async def ListRoleVerifications(
        self, request: pb.ListRoleVerificationsRequest, context: Context
    ) -> pb.ListRoleVerificationsResponse:
        status = None
        if request.status:
            status = pb.RoleVerification.Status.Name(request.status).removeprefix("STATUS_").lower()
            if status not in STATUSES:
                raise InvalidArgument("Неизвестный статус")
        rows = await self._verifications.list_in_org(await self._live_user(), request.organisation_id, status)
        return pb.ListRoleVerificationsResponse(verifications=[verification_message(r) for r in rows])

    async def ListDevMail(self, request: pb.ListDevMailRequest, context: Context) -> pb.ListDevMailResponse:
        if not self._dev:
            raise NotFound("Почтовый ящик разработчика есть только в режиме разработки (PARTA_DEV=1)")
        async with self._db.transaction("list_dev_mail") as conn:
            destination = parse_destination(request.destination).value if request.destination else None
            rows = await self._store.dev_mail(conn, destination)
        return pb.ListDevMailResponse(
            messages=[
                pb.DevMail(destination=r.destination, text=r.text, sent_at=to_timestamp(r.sent_at))
                for r in rows
            ]
        )
