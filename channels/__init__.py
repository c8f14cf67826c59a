"""Rasa input/output channels, one platform per module."""
