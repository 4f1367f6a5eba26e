#!/usr/bin/env bash
# Build the proxy as a local image, state-proxy:e2e, for the e2e level.
#
#   bash testing/e2e/image/build.sh [TAG]
#
# Nothing is pulled when the base is already local: the proxy's wheel and its dependencies
# are staged on this host for CPython 3.11 (pip, from the package index) and added to the
# base image with `docker build --network=none`. The base is $STATE_PROXY_BASE, else
# matrixgen's local Debian image when present (no registry on matrixgen's test machines),
# else python:3.11-slim-bookworm. Idempotent: the image is labelled with a digest of the
# sources and rebuilt only when they changed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../../.." && pwd)
tag=${1:-state-proxy:e2e}
base=${STATE_PROXY_BASE:-}
if [ -z "$base" ]; then
  base=python:3.11-slim-bookworm
  docker image inspect matrixgen/debian-services:bookworm >/dev/null 2>&1 &&
    base=matrixgen/debian-services:bookworm
fi
source_digest=$(
  cd "$project" &&
    { printf '%s\n' "$base"; cat pyproject.toml "$here/Dockerfile";
      find src -name '*.py' -print0 | sort -z | xargs -0 cat; } | sha256sum | cut -c1-16
)
label='{{index .Config.Labels "state-proxy.source"}}'
if [ "$(docker image inspect -f "$label" "$tag" 2>/dev/null)" = "$source_digest" ]; then
  echo "$tag is up to date ($source_digest)"
  exit 0
fi
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
log=$context/build.log
quietly() { "$@" >>"$log" 2>&1 || { cat "$log" >&2; echo "build.sh: $1 failed" >&2; exit 1; }; }
echo "building $tag from $base (about a minute the first time)"
quietly python3 -m pip wheel --no-deps --disable-pip-version-check "$project" -w "$context/wheel"
# --target: into the build context only; pip's note about the host's own packages is moot.
quietly python3 -m pip install --no-compile --disable-pip-version-check --target "$context/site" \
  --python-version 3.11 --implementation cp --abi cp311 --abi abi3 --abi none \
  --platform manylinux_2_34_x86_64 --platform manylinux_2_28_x86_64 \
  --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
  --only-binary=:all: "$context"/wheel/*.whl
tar -C "$context/site" -cf "$context/site.tar" .
cp "$here/Dockerfile" "$context/"
quietly docker build -q --network=none --build-arg "BASE=$base" \
  --label "state-proxy.source=$source_digest" -t "$tag" "$context"
echo "built $tag from $base ($source_digest)"
