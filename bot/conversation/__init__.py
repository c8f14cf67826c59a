"""Dialogue knowledge without Rasa: fallbacks, emergencies, case forms, validation, time phrases."""
