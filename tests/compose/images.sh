# Sourced by run.sh: the stand-in base images and the service images.
#
# No registry is reachable here, so the upstream images that docker/*.Dockerfile and
# docker-compose.yml name (node:20-bookworm-slim, mysql:8.4, nginx:1.27-alpine) are
# replaced by local STAND-INS carrying the same tags, built from stand-ins/*.Dockerfile
# on a Debian 12 minbase made by debootstrap. Each is labelled with a hash of its
# recipe and rebuilt only when the recipe changes; the debootstrap tarball is cached
# under $ANCHOR_COMPOSE_CACHE by the same kind of key. The service images are then
# built from docker/ with `docker build --network host` (compose's networks have no
# way out, and the build needs the npm registry and the Debian mirror), reusing the
# engine's layer cache, which lives in the cached data root.

STANDINS="$COMPOSE_DIR/stand-ins"
MIRROR="${ANCHOR_DEBIAN_MIRROR:-$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || echo http://deb.debian.org/debian)}"

# --add-host for the names a build resolves, as the host resolves them (the engine's
# --dns 127.0.0.1 answers nothing).
build_hosts() {
  local url host ip
  for url in "$MIRROR" "$(npm config get registry 2>/dev/null || echo https://registry.npmjs.org/)"; do
    host=$(printf '%s' "$url" | sed -E 's#^[a-z]+://([^/:]+).*#\1#')
    ip=$(getent ahostsv4 "$host" | awk 'NR==1 {print $1}')
    [ -n "$ip" ] && printf -- '--add-host=%s:%s ' "$host" "$ip"
  done
}

image_label() { docker image inspect -f "{{index .Config.Labels \"$2\"}}" "$1" 2>/dev/null || true; }

# A timing line for docs/benchmarks.md, also printed.
timing() { echo "compose-timing: $*" | tee -a "$COMPOSE_WORK/timings.txt"; }

build_minbase() {
  local key tarball start
  key=$(printf 'debootstrap --variant=minbase bookworm %s' "$MIRROR" | sha256sum | cut -c1-16)
  [ "$(image_label anchor-standin/bookworm-minbase anchor.recipe)" = "$key" ] && return 0
  tarball="$ANCHOR_COMPOSE_CACHE/bookworm-minbase-$key.tar"
  if [ ! -s "$tarball" ]; then
    command -v debootstrap >/dev/null || { echo "compose: debootstrap is not installed (apt-get install debootstrap)" >&2; return 1; }
    start=$SECONDS
    rm -rf "$COMPOSE_WORK/rootfs"
    debootstrap --variant=minbase bookworm "$COMPOSE_WORK/rootfs" "$MIRROR" >"$COMPOSE_WORK/debootstrap.log" 2>&1 \
      || { tail -20 "$COMPOSE_WORK/debootstrap.log" >&2; return 1; }
    rm -rf "$COMPOSE_WORK/rootfs"/var/cache/apt/archives/*.deb "$COMPOSE_WORK/rootfs"/var/lib/apt/lists/*
    tar -C "$COMPOSE_WORK/rootfs" -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
    rm -rf "$COMPOSE_WORK/rootfs"
    timing "debootstrap $((SECONDS - start))s"
  fi
  docker import -c "LABEL anchor.recipe=$key" -c 'CMD ["bash"]' "$tarball" anchor-standin/bookworm-minbase >/dev/null
}

# build_standin <tag> <recipe> [files to copy into the context...]
build_standin() {
  local tag=$1 recipe=$2 ctx key start
  shift 2
  ctx="$COMPOSE_WORK/ctx-${recipe%.Dockerfile}"
  rm -rf "$ctx" && mkdir -p "$ctx"
  cp "$STANDINS/$recipe" "$ctx/Dockerfile"
  for f in "$@"; do cp -a "$f" "$ctx/"; done
  # The key covers the recipe, the files it copies and the base image.
  key=$( (cd "$ctx" && find . -type f -print0 | sort -z | xargs -0 sha256sum; image_label anchor-standin/bookworm-minbase anchor.recipe) | sha256sum | cut -c1-16)
  if [ "$(image_label "$tag" anchor.recipe)" = "$key" ]; then rm -rf "$ctx"; return 0; fi
  start=$SECONDS
  # shellcheck disable=SC2046
  docker build --network host $(build_hosts) --label "anchor.recipe=$key" --label anchor.standin=true \
    -t "$tag" "$ctx" >"$COMPOSE_WORK/build-${recipe%.Dockerfile}.log" 2>&1 \
    || { echo "compose: building the stand-in $tag failed:" >&2; tail -20 "$COMPOSE_WORK/build-${recipe%.Dockerfile}.log" >&2; return 1; }
  timing "stand-in $tag $((SECONDS - start))s"
  rm -rf "$ctx"
}

build_standins() {
  build_minbase || return 1
  local nodectx="$COMPOSE_WORK/node-files"
  rm -rf "$nodectx" && mkdir -p "$nodectx"
  cp "$(readlink -f "$(command -v node)")" "$nodectx/node"
  cp -a "$(dirname "$(readlink -f "$(command -v npm)")")/.." "$nodectx/npm"
  cp -a "$(dirname "$(readlink -f "$(command -v node)")")/../include/node" "$nodectx/include"
  cp /etc/ssl/certs/ca-certificates.crt "$nodectx/"
  build_standin node:20-bookworm-slim node.Dockerfile "$nodectx"/* || return 1
  build_standin mysql:8.4 mysql.Dockerfile "$STANDINS/mysql-entrypoint.sh" || return 1
  build_standin nginx:1.27-alpine nginx.Dockerfile || return 1
  rm -rf "$nodectx"
}

# Every image docker-compose.yml builds, from docker/, with the tag the file names.
build_service_images() {
  local name start
  for name in callbacks federation compliance bridge localnet tools; do
    start=$SECONDS
    # shellcheck disable=SC2046
    docker build --network host $(build_hosts) -f "docker/$name.Dockerfile" \
      -t "anchor/$name:${ANCHOR_VERSION:-0.1.0}" . >"$COMPOSE_WORK/build-$name.log" 2>&1 \
      || { echo "compose: building anchor/$name failed:" >&2; tail -20 "$COMPOSE_WORK/build-$name.log" >&2; return 1; }
    timing "image anchor/$name $((SECONDS - start))s $(docker image inspect -f '{{.Size}}' "anchor/$name:${ANCHOR_VERSION:-0.1.0}")B"
  done
}
