#!/usr/bin/env bash
# The whole test suite, in the order that fails fastest. pytest's summary is the last thing printed.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "[test] $*"; }
export RASA_TELEMETRY_ENABLED=false PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export TF_CPP_MIN_LOG_LEVEL=2 TF_INTRA_OP_PARALLELISM_THREADS=2 TF_INTER_OP_PARALLELISM_THREADS=1

say "1/5 Checking the code: ruff (lint, format), mypy, node --check of every page script (pyproject.toml)..."
.venv/bin/ruff check --quiet .
.venv/bin/ruff format --check --quiet .
.venv/bin/mypy
for script in bot/console/static/*.js channels/webchat_static/*.js; do node --check "$script"; done

say "2/5 Validating domain, rules and training data (rasa data validate)..."
.venv/bin/rasa data validate --quiet

say "3/5 Training the model if its inputs changed..."
.venv/bin/python -m bot train
model=$(.venv/bin/python -m bot model-path)

say "4/5 Conversation test stories (rasa test core --fail-on-prediction-errors)..."
.venv/bin/rasa test core --e2e --model "$model" --stories tests/stories \
  --fail-on-prediction-errors --out var/test-results --quiet

say "5/5 pytest (bot/, actions, channels, integration with Redis/PostgreSQL, browser)..."
exec .venv/bin/python -m pytest "$@"
