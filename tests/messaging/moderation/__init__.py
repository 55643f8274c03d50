"""Tests of messaging's moderation feature."""
