"""Polls (R-CHAT-3) and the "seen by" count of channel posts."""
