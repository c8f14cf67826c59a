"""The web chat page's sessions, presence across replicas and mailbox (no Sanic or socket.io here)."""
