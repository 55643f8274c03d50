"""Tests of messaging's search feature."""
