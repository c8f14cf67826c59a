"""Handing a conversation to a person: triggers, the queue, staff hours, and what citizens are told."""
