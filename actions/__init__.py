"""Thin Rasa actions; the decisions they need live in bot/."""
