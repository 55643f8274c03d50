"""Tests of messaging's links feature."""
