"""Servers started with REDIS_URL set and no Redis there refuse to run, saying why, instead of keeping
conversations in one process's memory (Rasa's silent fallback)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NO_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.mark.parametrize(
    "command, server",
    [
        (
            [
                "-m",
                "channels.serve",
                "--model",
                "models",
                "--endpoints",
                "endpoints.yml",
                "--credentials",
                "credentials.yml.example",
            ],
            "The Rasa server",
        ),
        (["-m", "actions.serve"], "The action server"),
        (["-m", "bot", "console", "serve"], "The staff console"),
    ],
)
def test_a_server_refuses_to_start_when_its_redis_is_away(command, server, tmp_path):
    env = {
        **os.environ,
        "REDIS_URL": NO_REDIS,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "RASA_AUTH_TOKEN": "t" * 32,
        "PYTHONPATH": str(ROOT),
    }
    run = subprocess.run([sys.executable, *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode != 0
    assert f"{server} not started: REDIS_URL is set but Redis does not answer" in run.stderr
