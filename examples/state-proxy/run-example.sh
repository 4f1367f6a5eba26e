#!/usr/bin/env bash
# Run state-proxy's whole local support matrix against real emulators and print the table.
# Installs what it needs first (scripts/install.sh: services; matrixgen and this example into
# the checkout's .venv, whose bin/ then comes first on PATH).
set -euo pipefail
cd "$(dirname "$0")"
bash ../../scripts/install.sh
export PATH="$(cd ../.. && pwd)/.venv/bin:$PATH"
# The e2e level runs the proxy as a container: a Docker engine that answers, else this
# project's private one (scripts/docker-engine.sh: root or sudo; a few minutes the first
# time, instant after; stopped again at the end when this script started it). Without one
# the e2e cells are skipped, saying so.
if ! docker info >/dev/null 2>&1; then
  if ! bash ../../scripts/docker-engine.sh status; then
    trap 'bash ../../scripts/docker-engine.sh down' EXIT
  fi
  if bash ../../scripts/docker-engine.sh up; then
    eval "$(bash ../../scripts/docker-engine.sh env)"
  else
    echo "no Docker engine: the e2e cells will be skipped" >&2
  fi
fi
matrixgen render
status=0
# Emulators as local processes, chosen explicitly (`auto` would take compose where an
# engine answers); the e2e level's proxy container runs either way.
matrixgen run -j "${JOBS:-2}" --services native || status=$?  # report even when a cell failed
matrixgen report
echo
sed -n '/matrixgen:table:start/,/matrixgen:table:end/p' README.md | grep -v '^<!--'
exit "$status"
