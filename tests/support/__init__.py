"""Stand-ins for the platforms the assistant talks to (WeChat, Telegram APIs) and the helpers that serve them."""
