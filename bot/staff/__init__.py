"""Staff accounts, their sessions in the console, and the audit log of what they do."""
