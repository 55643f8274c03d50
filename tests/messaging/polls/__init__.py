"""Tests of messaging's polls feature."""
