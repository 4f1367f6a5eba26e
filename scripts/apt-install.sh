#!/usr/bin/env bash
# apt-get installs the Debian packages named (as root, or with sudo) and starts none of the
# daemons they ship. Debian's maintainer scripts start a package's service as they install it
# (redis-server on 6379, a RabbitMQ node and its epmd on 4369, dockerd) and enable it at boot;
# matrixgen starts private ones on free ports instead, so these would only be left running.
#
# While apt runs, a /usr/sbin/policy-rc.d that forbids every start (exit 101, which
# invoke-rc.d and deb-systemd-invoke honour) keeps them stopped, so there is nothing to stop
# afterwards; it is removed after, and only when this script put it there: one the machine
# has is left as it is. On a machine booted with systemd, the units of the packages this run
# newly installed are disabled again, so they do not start at the next boot either; services
# of packages that were installed before, a user's own redis or RabbitMQ, are not touched.
set -euo pipefail
[ $# -gt 0 ] || exit 0
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
policy=${MATRIXGEN_POLICY_RC_D:-/usr/sbin/policy-rc.d}  # another path: tests only

if [ ! -e "$policy" ] && [ ! -L "$policy" ]; then
  mark="# matrixgen scripts/apt-install.sh (pid $$): no service starts while it installs"
  printf '#!/bin/sh\n%s\nexit 101\n' "$mark" | $sudo tee "$policy" >/dev/null
  $sudo chmod 755 "$policy"
  # Removed however this script ends, and only while it is still the one written here.
  trap 'if grep -qxF "$mark" "$policy" 2>/dev/null; then $sudo rm -f "$policy"; fi' EXIT
fi

installed() { dpkg-query -W -f '${db:Status-Status} ${Package}\n' 2>/dev/null | sed -n 's/^installed //p' | sort; }
before=$(installed)
echo "+ apt-get install $*"
$sudo apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" \
  >/dev/null

if [ -d /run/systemd/system ]; then
  units=()
  for package in $(comm -13 <(printf '%s\n' "$before") <(installed)); do
    while IFS= read -r file; do units+=("$(basename "$file")"); done < <(
      dpkg-query -L "$package" 2>/dev/null | grep -E '^(/usr)?/lib/systemd/system/[^/@]+\.(service|socket|timer)$' || true)
  done
  if [ ${#units[@]} -gt 0 ]; then
    echo "+ systemctl disable ${units[*]} (installed here, not started)"
    $sudo systemctl disable --quiet "${units[@]}" >/dev/null 2>&1 || true
  fi
fi
