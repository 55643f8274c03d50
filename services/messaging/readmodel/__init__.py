"""The directory as messaging knows it: the read model (`dir_*` tables) kept from directory's events."""
