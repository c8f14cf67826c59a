#!/usr/bin/env bash
# Create .venv with Python 3.10, install the pinned dependencies (with the test and check tools) and the web chat's npm packages.
# Called by the Makefile whenever requirements.txt, constraints.txt or package-lock.json change.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "[hotline] $*"; }

if [ ! -x .venv/bin/python ]; then
  python=$(scripts/find_python.sh)
  say "Creating the virtualenv .venv with $python ..."
  "$python" -m venv .venv
fi
say "Installing Python dependencies (first time: several minutes, TensorFlow is large)..."
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade "pip<25"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
say "Checking that the installed packages agree (pip check)..."
.venv/bin/python -m pip check

if ! command -v npm >/dev/null 2>&1; then
  say "npm was not found: the web chat page needs Node.js and npm (apt-get install nodejs npm)." >&2
  exit 1
fi
say "Installing the web chat's JavaScript packages (npm ci)..."
npm ci --no-audit --no-fund --loglevel=error
touch .venv/.installed
say "Dependencies installed."
