#!/usr/bin/env bash
# The whole test suite, as CI runs it, on a fresh Debian 12 machine: installs what it needs
# (idempotent, fast when already done; Python packages into .venv), starts the private Docker
# engine the compose tests use, runs pytest with .venv/bin first on PATH (`python`,
# `matrixgen`, `nox` and the checkers the tests run are the venv's), then stops the engine
# if it started it. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export PATH="$PWD/.venv/bin:$PATH"
if ! bash scripts/docker-engine.sh status; then trap 'bash scripts/docker-engine.sh down' EXIT; fi
bash scripts/docker-engine.sh up
eval "$(bash scripts/docker-engine.sh env)"
python -m pytest "$@"
