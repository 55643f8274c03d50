"""Where services other than identity get the public keys that verify access tokens: identity's
GetSigningKeys over gRPC (used by `TokenVerifier`, which asks again on an unknown kid)."""

from __future__ import annotations

from parta.identity.v1 import identity_pb2 as pb
from parta.identity.v1 import identity_pb2_grpc
from services.common.auth import KeySource, PublicKey


def identity_key_source(stub: identity_pb2_grpc.IdentityStub, timeout: float = 5.0) -> KeySource:
    async def fetch() -> list[PublicKey]:
        reply = await stub.GetSigningKeys(pb.GetSigningKeysRequest(), timeout=timeout)
        return [PublicKey(kid=key.kid, x=key.x) for key in reply.keys]

    return fetch
