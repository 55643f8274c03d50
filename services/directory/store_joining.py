"""SQL of joining: class and subject teacher assignments (R-ROLE-4), students' classes (R-ROLE-5),
parent links (R-ROLE-6), invite links and their acceptances and failed look-ups (R-INV-1, R-INV-2)."""

from __future__ import annotations


class JoiningStore:
    pass
