"""SQL of people's paths: join requests (R-INV-3), movement (R-MOVE-1), support requests (R-PRIV-4),
the academic-year rollover, and identity's verification decisions (the badge, R-ROLE-2)."""

from __future__ import annotations


class PeopleStore:
    pass
