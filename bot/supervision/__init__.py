"""Supervision (督办): figures over a date range from the records, their exports and the weekly report.

Definitions of every figure are in docs/FIGURES.md.
"""
