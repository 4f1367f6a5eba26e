#!/usr/bin/env bash
# Installs matrixgen for development, with every real service its tests and the bundled
# example run against: Debian packages (as root, or with sudo) and pip packages.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"

need=()
command -v redis-server >/dev/null || need+=(redis-server)
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || need+=(rabbitmq-server)
command -v chromium >/dev/null || need+=(chromium)
command -v git >/dev/null || need+=(git)
command -v java >/dev/null || need+=(default-jre-headless)
# The generated workflows' steps say `sudo apt-get`, as on GitHub's runners; tests run them.
command -v sudo >/dev/null || need+=(sudo)
if [ ${#need[@]} -gt 0 ]; then
  echo "+ apt-get install ${need[*]}"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# Debian's packages may start their own daemons; matrixgen starts private ones on free ports.
for svc in redis-server rabbitmq-server; do $sudo service "$svc" stop >/dev/null 2>&1 || true; done
pkill -x epmd >/dev/null 2>&1 || true

# Skip pip when this checkout is installed already and its requirements have not changed.
stamp=.matrixgen/install.stamp
want="$(python -VV) $(cat pyproject.toml examples/state-proxy/pyproject.toml | sha256sum)"
here=$(python -c 'import matrixgen, state_proxy; print(matrixgen.__file__)' 2>/dev/null || true)
if [ "$here" = "$PWD/src/matrixgen/__init__.py" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  echo "+ pip: matrixgen and the example are installed from this checkout"
  exit 0
fi
# matrixgen's distribution is matrixgen-cli; a distribution named `matrixgen` (this project's
# old name, or the unrelated project of that name on PyPI) would shadow the command.
if python -m pip show -q matrixgen >/dev/null 2>&1; then
  echo "+ pip uninstall matrixgen"
  python -m pip uninstall -q -y matrixgen
fi
echo "+ pip install -e .[dev] -e examples/state-proxy[test]"
python -m pip install -q -e '.[dev]' -e 'examples/state-proxy[test]'
mkdir -p .matrixgen && printf '%s' "$want" >"$stamp"
