"""The staff console: one web app for agents, editors, supervisors and admins (``python -m bot console``)."""
