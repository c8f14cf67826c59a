#!/usr/bin/env bash
# The whole test suite, in the order that fails fastest. pytest's summary is the last thing printed.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "[test] $*"; }
export RASA_TELEMETRY_ENABLED=false PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export TF_CPP_MIN_LOG_LEVEL=2 TF_INTRA_OP_PARALLELISM_THREADS=2 TF_INTER_OP_PARALLELISM_THREADS=1

say "1/4 Validating domain, rules and training data (rasa data validate)..."
.venv/bin/rasa data validate --quiet

say "2/4 Training the model if its inputs changed..."
.venv/bin/python -m bot train
model=$(.venv/bin/python -m bot model-path)

say "3/4 Conversation test stories (rasa test core --fail-on-prediction-errors)..."
.venv/bin/rasa test core --e2e --model "$model" --stories tests/stories \
  --fail-on-prediction-errors --out var/test-results --quiet

say "4/4 pytest (bot/, actions, channels, integration with Redis/PostgreSQL, browser)..."
exec .venv/bin/python -m pytest "$@"
