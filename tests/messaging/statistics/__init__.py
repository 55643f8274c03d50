"""Tests of messaging's statistics feature."""
