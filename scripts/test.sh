#!/usr/bin/env bash
# The whole test suite, as CI runs it, on a fresh Debian 12 machine: installs what it needs
# (idempotent, fast when already done; Python packages into .venv), starts the private Docker
# engine the compose tests use, runs pytest with .venv/bin first on PATH (`python`,
# `matrixgen`, `nox` and the checkers the tests run are the venv's), then stops the engine
# if it started it. Extra arguments go to pytest. The suite runs on 3 pytest-xdist workers
# (MATRIXGEN_TEST_WORKERS; most tests wait on services, processes and the engine, so one more
# than the 2 cores of CI's machine; tests on the Docker engine share one worker); `-n 0` runs
# it in one process.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export PATH="$PWD/.venv/bin:$PATH"
if ! bash scripts/docker-engine.sh status; then trap 'bash scripts/docker-engine.sh down' EXIT; fi
bash scripts/docker-engine.sh up
eval "$(bash scripts/docker-engine.sh env)"
python -m pytest -n "${MATRIXGEN_TEST_WORKERS:-3}" "$@"
