"""What the tests share, and the only test code one test folder may import from another: the running
platform and the outside world it talks to (`platform`), schools and their people (`schools`), the
world of an authorisation table, one member per role (`roles`), chats and messaging's read model
(`chats`), the one way to wait for something (`waiting`), HTTP shortcuts (`http`) and the live
WebSocket client (`live`). Fixtures stay in `tests/conftest.py`."""
