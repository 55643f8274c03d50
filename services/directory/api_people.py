"""gRPC methods of people's paths: join requests, movement, support, rollover."""

from __future__ import annotations

from services.directory.domains import DirectoryDomains


class PeopleApi:
    _domains: DirectoryDomains
