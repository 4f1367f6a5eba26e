#!/usr/bin/env bash
# The whole test suite, as CI runs it, on a fresh Debian 12 machine: installs what it needs
# (idempotent, fast when already done), starts the private Docker engine the compose tests
# use, then runs pytest. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
bash scripts/docker-engine.sh up
eval "$(bash scripts/docker-engine.sh env)"
exec python -m pytest "$@"
