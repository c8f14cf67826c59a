"""Custom Rasa NLU components for Chinese hotline text."""
