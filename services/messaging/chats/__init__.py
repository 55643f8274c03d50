"""Chats and channels, membership and invitations, messages and read state, live delivery (R-CHAT-*)."""
