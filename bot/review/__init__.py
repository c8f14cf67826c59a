"""Messages the bot was unsure about, labelled by editors and supervisors for the next model."""
