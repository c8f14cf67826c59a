"""Personal data: masking for display and logs, retention periods and the purge."""
