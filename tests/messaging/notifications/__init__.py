"""Tests of messaging's notifications feature."""
