"""Weekly usage statistics of organisations (R-STAT-1)."""
