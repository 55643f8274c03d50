"""Calls in chats as messaging knows them (R-MEDIA-1): a read model of media's call events."""
