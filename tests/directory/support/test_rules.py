"""The plain rule functions of support requests (R-PRIV-4), without services."""

from __future__ import annotations

import pytest

from services.common.errors import InvalidArgument
from services.directory.support import requests as support


def test_R_PRIV_4_the_addressee_answers_and_an_update_changes_something() -> None:
    assert support.is_addressee("administrator", frozenset({"administrator"}), operator=False)
    assert not support.is_addressee("operator", frozenset({"administrator"}), operator=False)
    assert support.is_addressee("operator", frozenset(), operator=True)
    assert not support.is_addressee("administrator", frozenset({"teacher"}), operator=True)
    assert support.changes("resolved", " Готово ") == {"status": "resolved", "answer": "Готово"}
    assert support.changes(None, "Готово") == {"answer": "Готово"}
    with pytest.raises(InvalidArgument):
        support.changes(None, "  ")
    with pytest.raises(InvalidArgument):
        support.changes("closed", None)
