#!/usr/bin/env bash
# Run state-proxy's whole local support matrix against real emulators and print the table.
# Needs matrixgen installed (the top README's install command); installs this example.
set -euo pipefail
cd "$(dirname "$0")"
export PIP_DISABLE_PIP_VERSION_CHECK=1
echo "+ pip install -e .[test]"
python -m pip install -q -e '.[test]'
matrixgen render
status=0
matrixgen run -j "${JOBS:-2}" || status=$?  # report even when a cell failed
matrixgen report
echo
sed -n '/matrixgen:table:start/,/matrixgen:table:end/p' README.md | grep -v '^<!--'
exit "$status"
