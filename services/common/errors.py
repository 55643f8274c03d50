"""Parta's error hierarchy: what the domain and stores raise when they refuse something.

    PartaError
    ├── InvalidArgument   bad input                           → INVALID_ARGUMENT / 400
    ├── NotFound          no such thing (or not yours to see) → NOT_FOUND / 404
    ├── AlreadyExists     a duplicate                         → ALREADY_EXISTS / 409
    ├── RuleRefused       a school rule says no (rule=R-…)    → FAILED_PRECONDITION / 409
    ├── PermissionDenied  no right to do it                   → PERMISSION_DENIED / 403
    ├── Unauthenticated   no valid token or code              → UNAUTHENTICATED / 401
    ├── RateLimited       too often; retry_after seconds      → RESOURCE_EXHAUSTED / 429
    └── Unavailable       a dependency is down, try again     → UNAVAILABLE / 503

Nothing here knows about gRPC or HTTP: the gRPC interceptor maps these to status codes and
the gateway maps status codes to HTTP. Messages are for people (Russian where users read them).
"""

from __future__ import annotations


class PartaError(Exception):
    """Base of every refusal Parta explains to the caller. `field` names the request field the
    refusal is about (as the public API names it), so a form can show it next to that field."""

    def __init__(self, message: str, *, rule: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.rule = rule
        self.field = field


class InvalidArgument(PartaError):
    pass


class NotFound(PartaError):
    pass


class AlreadyExists(PartaError):
    pass


class RuleRefused(PartaError):
    """A numbered school rule (domain/RULES.md) refuses the action."""

    def __init__(self, message: str, *, rule: str, field: str | None = None) -> None:
        super().__init__(message, rule=rule, field=field)


class PermissionDenied(PartaError):
    pass


class Unauthenticated(PartaError):
    pass


class RateLimited(PartaError):
    def __init__(self, message: str, *, retry_after: int, rule: str | None = None) -> None:
        super().__init__(message, rule=rule)
        self.retry_after = max(1, int(retry_after))


class Unavailable(PartaError):
    pass
