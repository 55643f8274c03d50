"""Notifications: Web Push for new messages, the e-mail digest, quiet hours."""
