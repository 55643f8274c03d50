"""The shared runtime every Parta service stands on, written once.

Settings, logging, errors, metrics, the gRPC server and its interceptors, token verification,
the database and migrations, NATS, the transactional outbox and the idempotent consumer.
"""
