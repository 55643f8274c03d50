"""Identity's settings (PARTA_ prefix), on top of the shared ones and the shared SMTP ones."""

from __future__ import annotations

from pydantic import Field, SecretStr

from services.common.mail import SmtpSettings

DEV_PEPPER = "parta-dev-pepper-change-me"


class IdentitySettings(SmtpSettings):
    """The shared settings, SMTP for codes by e-mail (`SmtpSettings`), and identity's own."""

    grpc_port: int = Field(default=50051, ge=0, le=65535)
    metrics_port: int = Field(default=9101, ge=0, le=65535)

    code_ttl_seconds: int = Field(default=300, gt=0, description="a one-time code lives 5 minutes")
    code_max_attempts: int = Field(default=5, gt=0)
    code_resend_seconds: int = Field(default=60, ge=0, description="one code per destination per minute")
    codes_per_destination_per_hour: int = Field(default=10, gt=0)
    # A whole school may sign in from behind one NAT address during a lesson.
    codes_per_address_per_hour: int = Field(default=300, gt=0)
    code_pepper: SecretStr = Field(
        default=SecretStr(DEV_PEPPER), description="HMAC key for stored code hashes"
    )

    access_ttl_seconds: int = Field(default=600, gt=0)
    refresh_ttl_days: int = Field(default=30, gt=0)
    key_rotation_days: int = Field(default=30, gt=0)
    key_reload_seconds: float = Field(default=30.0, gt=0)

    sms_url: str = Field(default="", description="the SMS provider's HTTP endpoint")
    sms_token: SecretStr = SecretStr("")
