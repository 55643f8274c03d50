"""The embedded local platform: NATS and PostgreSQL from pip packages, and a supervisor that runs
every Parta service for `make run` and the tests."""
