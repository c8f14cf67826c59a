"""What crosses a channel boundary: screening what citizens send, shaping what the bot sends, per channel."""
