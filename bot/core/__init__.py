"""Foundations every other part uses: settings, the database, the clock, shared secrets, rate limits."""
