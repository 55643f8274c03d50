"""The messaging service: chats, channels, membership, messages and read state (R-CHAT-*)."""
