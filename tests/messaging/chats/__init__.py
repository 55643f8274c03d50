"""Tests of messaging's chats feature."""
