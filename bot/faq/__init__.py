"""The consultation knowledge base: FAQ entries, their history, matching and import/export.

Plain Python (no Rasa imports): the action server, the CLI and later the editor all use it.
"""
