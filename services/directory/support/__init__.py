"""Support requests to the administrator or the operator, with status and answer (R-PRIV-4)."""
