"""Full-text search over the messages of one's chats (issue 5)."""
