"""Hotline business logic: plain Python that knows nothing of Rasa."""
