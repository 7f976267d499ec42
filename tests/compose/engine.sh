# Sourced by run.sh: makes a Docker engine reachable as $DOCKER_HOST.
# An engine that already answers (DOCKER_HOST or the default socket) is used as it is.
# Otherwise a PRIVATE dockerd is started: its own socket, exec root and pid file under
# $COMPOSE_WORK, no iptables/NAT/forwarding (no container can leave the host) and a
# data root under $ANCHOR_COMPOSE_CACHE so that stand-in images and the build cache
# survive for the next run (CI runs a fresh clone on the same machine). engine_stop,
# called from run.sh's trap, stops it by its pid and removes what it created.

engine_start() {
  if docker info >/dev/null 2>&1; then
    echo "compose: using the running Docker engine (${DOCKER_HOST:-default socket})"
    ENGINE_PID=""
    return 0
  fi
  if ! command -v dockerd >/dev/null; then
    compose_unavailable "no Docker engine is reachable and dockerd is not installed (apt-get install docker.io containerd runc)"
    return 1
  fi
  if [ "$(id -u)" != 0 ]; then
    compose_unavailable "no Docker engine is reachable and starting one needs root (uid $(id -u))"
    return 1
  fi
  mkdir -p "$ANCHOR_COMPOSE_CACHE/engine"
  # One private engine per data root: a second run on the machine waits for the first.
  exec 9>"$ANCHOR_COMPOSE_CACHE/engine.lock"
  if ! flock -w 1800 9; then
    echo "compose: another compose suite holds $ANCHOR_COMPOSE_CACHE/engine.lock" >&2
    return 1
  fi
  export DOCKER_HOST="unix://$COMPOSE_WORK/docker.sock"
  dockerd -H "$DOCKER_HOST" \
    --data-root "$ANCHOR_COMPOSE_CACHE/engine" \
    --exec-root "$COMPOSE_WORK/exec" \
    --pidfile "$COMPOSE_WORK/dockerd.pid" \
    --storage-driver overlay2 \
    --bridge none \
    --iptables=false --ip-forward=false --ip-masq=false \
    --dns 127.0.0.1 \
    >"$COMPOSE_WORK/dockerd.log" 2>&1 &
  ENGINE_PID=$!
  for _ in $(seq 150); do
    docker info >/dev/null 2>&1 && break
    if ! kill -0 "$ENGINE_PID" 2>/dev/null; then
      echo "compose: dockerd exited at start-up; its log:" >&2
      tail -20 "$COMPOSE_WORK/dockerd.log" >&2
      return 1
    fi
    sleep 0.2
  done
  docker info >/dev/null 2>&1 || { echo "compose: dockerd did not answer on $DOCKER_HOST" >&2; return 1; }
  echo "compose: started a private Docker engine (pid $ENGINE_PID, data root $ANCHOR_COMPOSE_CACHE/engine)"
}

engine_stop() {
  [ -n "${ENGINE_PID:-}" ] || return 0
  # Containers and networks of our projects first, so nothing outlives the engine.
  for project in $(docker ps -a --format '{{.Label "com.docker.compose.project"}}' 2>/dev/null | sort -u); do
    case "$project" in anchorct*) docker ps -aq --filter "label=com.docker.compose.project=$project" | xargs -r docker rm -f >/dev/null 2>&1 ;; esac
  done
  local nets
  nets=$(docker network ls -q --filter name=anchorct 2>/dev/null || true)
  [ -z "$nets" ] || docker network rm $nets >/dev/null 2>&1 || true
  kill "$ENGINE_PID" 2>/dev/null || true
  for _ in $(seq 150); do kill -0 "$ENGINE_PID" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$ENGINE_PID" 2>/dev/null || true
  # containerd started by dockerd exits with it; its shims too once containers are gone.
  ip link del docker0 2>/dev/null || true
  # A network the engine could not remove leaves its Linux bridge br-<id12> behind.
  for id in $nets; do ip link del "br-${id:0:12}" 2>/dev/null || true; done
  umount "$COMPOSE_WORK"/exec/netns/* 2>/dev/null || true
  ENGINE_PID=""
}
