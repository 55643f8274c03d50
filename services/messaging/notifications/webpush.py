"""Sending Web Push: the payload encrypted for the browser (RFC 8291, aes128gcm, by pywebpush and
http-ece), the server identified by VAPID (RFC 8292, a JWT signed with our P-256 key, by py-vapid),
and one POST to the browser's push service over httpx. Also the checks on what a browser hands us
(its endpoint URL and keys) and the VAPID key pair itself."""

from __future__ import annotations

import base64
import binascii
import enum
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02
from pywebpush import WebPusher

from services.common.errors import InvalidArgument
from services.common.logging import get_logger

log = get_logger(__name__)

# RFC 8030 Urgency values.
URGENCIES = ("very-low", "low", "normal", "high")
# A VAPID JWT lives at most 24 hours (RFC 8292 §2); ours 12.
VAPID_JWT_SECONDS = 12 * 3600


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- the VAPID key --------------------------------------------------------------------------------
@dataclass(frozen=True)
class VapidKey:
    """Our signing key: the private scalar (base64url, 32 bytes) and the public point the browser
    passes to pushManager.subscribe (base64url, 65 bytes uncompressed)."""

    private: str
    public: str

    def signer(self) -> Vapid02:
        return Vapid02.from_string(self.private)


def generate_vapid_key() -> VapidKey:
    key = ec.generate_private_key(ec.SECP256R1())
    return vapid_key_of(key)


def vapid_key_of(key: ec.EllipticCurvePrivateKey) -> VapidKey:
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return VapidKey(private=b64url(private), public=b64url(public))


def load_vapid_key(text: str) -> VapidKey:
    """A key from the settings: the raw 32-byte scalar or DER, base64url (what `vapid --gen` and most
    guides print), or PEM."""
    cleaned = text.strip()
    try:
        if cleaned.startswith("-----BEGIN"):
            loaded = serialization.load_pem_private_key(cleaned.encode(), password=None)
        else:
            raw = b64url_decode(cleaned.replace("\n", ""))
            if len(raw) == 32:
                loaded = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
            else:
                loaded = serialization.load_der_private_key(raw, password=None)
    except (ValueError, TypeError, binascii.Error) as error:
        raise SystemExit(f"PARTA_VAPID_PRIVATE_KEY is not a P-256 private key: {error}") from None
    if not isinstance(loaded, ec.EllipticCurvePrivateKey) or not isinstance(loaded.curve, ec.SECP256R1):
        raise SystemExit("PARTA_VAPID_PRIVATE_KEY is not a P-256 private key")
    return vapid_key_of(loaded)


# --- what a browser hands us --------------------------------------------------------------------
def check_endpoint(endpoint: str, hosts: list[str], allow_http: bool) -> str:
    """The push service's URL must be https on a known push service (or, in tests, allowed http):
    the server POSTs to it, so an arbitrary URL would let a member make it call anything."""
    parts = urlsplit(endpoint.strip())
    host = (parts.hostname or "").lower()
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes or not host or len(endpoint) > 1000:
        raise InvalidArgument("Адрес подписки: нужен https-адрес службы push-уведомлений браузера")
    if not any(host == allowed or host.endswith("." + allowed) for allowed in hosts):
        raise InvalidArgument(f"Служба push-уведомлений {host} не поддерживается этим сервером")
    return endpoint.strip()


def check_keys(p256dh: str, auth: str) -> tuple[str, str]:
    """The browser's P-256 public key (65 bytes) and its 16-byte auth secret, base64url."""
    try:
        point = b64url_decode(p256dh.strip())
        secret = b64url_decode(auth.strip())
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except (ValueError, binascii.Error):
        raise InvalidArgument("Ключ подписки p256dh — не открытый ключ P-256") from None
    if len(point) != 65 or len(secret) != 16:
        raise InvalidArgument("Ключи подписки: p256dh — 65 байт, auth — 16 байт (base64url)")
    return p256dh.strip(), auth.strip()


# --- sending ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PushTarget:
    endpoint: str
    p256dh: str
    auth: str


class PushOutcome(enum.Enum):
    DELIVERED = "delivered"
    GONE = "gone"  # 404/410: the browser unsubscribed; forget the subscription
    FAILED = "failed"


def encrypt(target: PushTarget, payload: bytes) -> bytes:
    """RFC 8291 aes128gcm: a fresh ECDH key and salt per message, so only that browser reads it."""
    pusher = WebPusher({"endpoint": target.endpoint, "keys": {"p256dh": target.p256dh, "auth": target.auth}})
    body: bytes = pusher.encode(payload, "aes128gcm")["body"]
    return body


def vapid_headers(key: VapidKey, endpoint: str, subject: str, now: float | None = None) -> dict[str, str]:
    """`Authorization: vapid t=<JWT>, k=<public key>` for the endpoint's origin (RFC 8292)."""
    parts = urlsplit(endpoint)
    audience = f"{parts.scheme}://{parts.netloc}"
    expires = int(now if now is not None else time.time()) + VAPID_JWT_SECONDS
    signed: dict[str, str] = key.signer().sign({"aud": audience, "sub": subject, "exp": expires})
    return {"Authorization": signed["Authorization"]}


class WebPushSender:
    """Posts encrypted pushes; owns its HTTP client (`close()`)."""

    def __init__(self, *, subject: str, client: httpx.AsyncClient | None = None) -> None:
        self._subject = subject
        self._client = client or httpx.AsyncClient(timeout=10.0, follow_redirects=False)

    async def send(
        self,
        key: VapidKey,
        target: PushTarget,
        payload: bytes,
        *,
        ttl: int,
        urgency: str = "normal",
        topic: str = "",
    ) -> PushOutcome:
        headers = {
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "TTL": str(ttl),
            "Urgency": urgency,
            **vapid_headers(key, target.endpoint, self._subject),
        }
        if topic:
            headers["Topic"] = topic
        try:
            response = await self._client.post(
                target.endpoint, content=encrypt(target, payload), headers=headers
            )
        except httpx.HTTPError as error:
            log.warning("push.send_failed", error=str(error))
            return PushOutcome.FAILED
        if response.status_code in (404, 410):
            return PushOutcome.GONE
        if response.status_code >= 300:
            log.warning("push.refused", status=response.status_code, body=response.text[:200])
            return PushOutcome.FAILED
        return PushOutcome.DELIVERED

    async def close(self) -> None:
        await self._client.aclose()
