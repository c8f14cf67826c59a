"""WeChat official account: the protocol, message de-duplication, delivery through the API (no Rasa here)."""
