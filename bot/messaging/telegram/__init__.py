"""Telegram: what an update means to the assistant, and the webhook command (no Rasa here)."""
