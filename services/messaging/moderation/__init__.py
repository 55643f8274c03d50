"""Moderation (R-MOD-1..5): moderators, deleting messages with a cited rule, violations, blocks, audit."""
