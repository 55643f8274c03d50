"""Tests of messaging's attachments feature."""
