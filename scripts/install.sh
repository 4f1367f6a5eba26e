#!/usr/bin/env bash
# Installs matrixgen for development, with every real service and interpreter its tests and
# the bundled example run against: Debian packages (as root, or with sudo; scripts/apt-install.sh, which
# starts none of their daemons) and, in this checkout's virtual environment .venv (made with
# `python3`, or $PYTHON: Python >= 3.10), matrixgen with its development tools and the
# example. Nothing else is installed into, started or stopped: the machine's Python and the
# services already running on it (a user's redis, RabbitMQ, epmd) stay as they are.
# Idempotent, and fast when done. Callers put .venv/bin first on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1
python=${PYTHON:-python3}
venv=$PWD/.venv

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
  found="is $("$python" -V 2>&1)" || found="was not found"
  echo "install.sh: matrixgen needs Python >= 3.10; $python $found" >&2
  echo "            (PYTHON=/path/to/python3.X bash $0 picks another)" >&2
  exit 1
fi

need=()
command -v redis-server >/dev/null || need+=(redis-server)
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || need+=(rabbitmq-server)
command -v chromium >/dev/null || need+=(chromium)
command -v git >/dev/null || need+=(git)
command -v java >/dev/null || need+=(default-jre-headless)
# PyPy cells of the tests' python axes (Debian's pypy3: PyPy 7.3 for Python 3.9); the
# CPython ones come from pyenv, which this machine has.
command -v pypy3 >/dev/null || need+=(pypy3)
# The generated workflows' steps say `sudo apt-get`, as on GitHub's runners; tests run them.
command -v sudo >/dev/null || need+=(sudo)
# gitlab-ci-local (scripts/test.sh installs it for the suite) copies a job's files with rsync.
command -v rsync >/dev/null || need+=(rsync)
# Debian's own python3 makes virtual environments only with python3-venv (ensurepip).
"$python" -c 'import ensurepip' 2>/dev/null || need+=(python3-venv)
bash scripts/apt-install.sh "${need[@]}"

# The venv is made again only when it is missing, broken, or of another interpreter.
base() { "$1" -c 'import sys; print(sys.base_prefix, sys.version)' 2>/dev/null || true; }
if [ ! -x "$venv/bin/python" ] || [ "$(base "$venv/bin/python")" != "$(base "$python")" ]; then
  echo "+ $python -m venv .venv  ($("$python" -V 2>&1))"
  "$python" -m venv --clear "$venv"
fi

# Skip pip when this checkout is installed already and its requirements have not changed.
stamp=$venv/matrixgen-install.stamp
want="$("$venv/bin/python" -VV) $(cat pyproject.toml examples/state-proxy/pyproject.toml | sha256sum)"
here=$("$venv/bin/python" -c 'import matrixgen, state_proxy; print(matrixgen.__file__)' 2>/dev/null || true)
if [ "$here" = "$PWD/src/matrixgen/__init__.py" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  echo "+ .venv: matrixgen and the example are installed from this checkout"
  exit 0
fi
echo "+ .venv/bin/pip install -e .[dev] -e examples/state-proxy[test]"
rm -f "$stamp"
"$venv/bin/python" -m pip install -q -e '.[dev]' -e 'examples/state-proxy[test]'
printf '%s' "$want" >"$stamp"
