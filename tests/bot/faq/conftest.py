"""Paths the FAQ tests read (the migrated ``factory`` comes from tests/bot/conftest.py)."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "faq"
SAMPLE = Path(__file__).resolve().parents[3] / "kb" / "sample-faq.csv"
