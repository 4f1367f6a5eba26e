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
# gitlab-ci-local runs the generated GitLab pipelines in the tests: 4.60.0, the last release
# that runs on Node 20, in .tools/ (npm builds its re2 addon there once), its command linked
# into .venv/bin: only the suite needs it, so the main job does not wait for it. Without npm
# it is left out, and those tests fail under CI=true.
gitlab_ci_local=4.60.0
if [ "$("$PWD/.venv/bin/gitlab-ci-local" --version 2>/dev/null)" != "$gitlab_ci_local" ]; then
  if command -v npm >/dev/null; then
    echo "+ npm install gitlab-ci-local@$gitlab_ci_local (into .tools/gitlab-ci-local)"
    npm install --prefix "$PWD/.tools/gitlab-ci-local" --no-audit --no-fund --loglevel=error \
      "gitlab-ci-local@$gitlab_ci_local"
    ln -sf "$PWD/.tools/gitlab-ci-local/node_modules/.bin/gitlab-ci-local" "$PWD/.venv/bin/gitlab-ci-local"
  else
    echo "test.sh: npm was not found; gitlab-ci-local (the GitLab pipeline tests) is not installed" >&2
  fi
fi

# Coverage measures matrixgen in every process that runs it; no other Python process the
# suite starts (pip, nox, moto_server, a cell's pytest) needs to import and start it: a
# .pth run before coverage's own keeps its variable from those (tests/support/coverage_filter.py).
purelib=$("$PWD/.venv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
filter_line="import os; (os.environ.get('COVERAGE_PROCESS_CONFIG') or os.environ.get('COVERAGE_PROCESS_CONFIG_ASIDE')) and __import__('runpy').run_path('$PWD/tests/support/coverage_filter.py', run_name='_matrixgen_coverage_filter')"
if [ "$(cat "$purelib/a0_matrixgen_coverage.pth" 2>/dev/null)" != "$filter_line" ]; then
  printf '%s\n' "$filter_line" >"$purelib/a0_matrixgen_coverage.pth"
fi

export PATH="$PWD/.venv/bin:$PATH"
if ! bash scripts/docker-engine.sh status; then trap 'bash scripts/docker-engine.sh down' EXIT; fi
bash scripts/docker-engine.sh up
eval "$(bash scripts/docker-engine.sh env)"
python -m pytest -n "${MATRIXGEN_TEST_WORKERS:-3}" "$@"
