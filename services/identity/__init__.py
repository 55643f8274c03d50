"""The identity service: accounts, one-time codes, sessions and tokens, role verification."""
