#!/usr/bin/env bash
# Run state-proxy's whole local support matrix against real emulators and print the table.
# Installs what it needs first (scripts/install.sh: services, matrixgen, this example).
set -euo pipefail
cd "$(dirname "$0")"
bash ../../scripts/install.sh
matrixgen render
status=0
matrixgen run -j "${JOBS:-2}" || status=$?  # report even when a cell failed
matrixgen report
echo
sed -n '/matrixgen:table:start/,/matrixgen:table:end/p' README.md | grep -v '^<!--'
exit "$status"
