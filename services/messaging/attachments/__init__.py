"""Attachments (R-CHAT-3): uploads, their storage, thumbnails, attaching them to messages."""
