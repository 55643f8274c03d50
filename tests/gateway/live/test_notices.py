"""The `notice` frame a gateway forwards from `parta.live.user.<id>` (services/gateway/live): only a
well-formed notice, only its known fields."""

from __future__ import annotations

import json

from services.gateway.live.protocol import notice_frame


def test_a_notice_is_forwarded_with_its_known_fields_only() -> None:
    raw = json.dumps(
        {
            "type": "notice",
            "kind": "support_request.answered",
            "organisation_id": "o",
            "id": "r",
            "text": "Ответ на ваше обращение «Справка»",
            "secret": "not for the client",
        }
    ).encode()
    frame = notice_frame(raw)
    assert frame is not None
    assert json.loads(frame) == {
        "type": "notice",
        "kind": "support_request.answered",
        "organisation_id": "o",
        "id": "r",
        "text": "Ответ на ваше обращение «Справка»",
    }


def test_what_is_not_a_notice_is_not_forwarded() -> None:
    assert notice_frame(b"not json") is None
    assert notice_frame(b"[1, 2]") is None
    assert notice_frame(json.dumps({"type": "message", "kind": "x", "text": "y"}).encode()) is None
    assert notice_frame(json.dumps({"type": "notice", "kind": "x", "text": 5}).encode()) is None
    assert notice_frame(json.dumps({"type": "notice", "kind": "", "text": "y"}).encode()) is None
    assert notice_frame(json.dumps({"type": "notice", "kind": "x", "text": "y" * 5000}).encode()) is None
