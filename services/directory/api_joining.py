"""gRPC methods of joining: assignments, invites, parent links."""

from __future__ import annotations

from services.directory.domains import DirectoryDomains


class JoiningApi:
    _domains: DirectoryDomains
