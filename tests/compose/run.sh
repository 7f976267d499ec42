#!/usr/bin/env bash
# `pnpm test:compose`: the compose suite. Installs what it needs from Debian's packages
# when missing, makes a Docker engine reachable (engine.sh: a private dockerd when none
# answers), builds the stand-in base images and every service image (images.sh), then
# brings up (a) the default one-bank stack and (b) `--profile local` (localnet and bank B)
# and checks them from outside, through nginx only (checks.sh). Everything it starts is
# torn down by the EXIT trap: `down -v`, the private engine, its links and mounts.
#
#   tests/compose/run.sh          build, then both stacks with every check
#   tests/compose/run.sh build    build the images only (warms $ANCHOR_COMPOSE_CACHE)
#
# Without the means to run an engine (no root, no apt, no dockerd) the suite is skipped
# with the reason; under CI=true that is a failure.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
COMPOSE_DIR="$ROOT/tests/compose"
export ANCHOR_COMPOSE_CACHE="${ANCHOR_COMPOSE_CACHE:-/var/cache/anchor-compose}"
COMPOSE_WORK=$(mktemp -d /tmp/anchor-compose.XXXXXX)
cd "$ROOT"

compose_unavailable() {
  if [ "${CI:-}" = true ]; then
    echo "compose: FAILED (CI=true): $1" >&2
    exit 1
  fi
  echo "compose: SKIPPED: $1"
  exit 0
}

# Debian's docker.io (engine 20.10), docker-compose 1.29, debootstrap for the stand-in base.
ensure_packages() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io containerd runc)
  command -v docker-compose >/dev/null || missing+=(docker-compose)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v iptables >/dev/null || missing+=(iptables)
  [ ${#missing[@]} -eq 0 ] && return 0
  if docker info >/dev/null 2>&1 && command -v docker-compose >/dev/null; then return 0; fi
  [ "$(id -u)" = 0 ] || compose_unavailable "missing ${missing[*]} and not root to install them"
  command -v apt-get >/dev/null || compose_unavailable "missing ${missing[*]} and no apt-get to install them"
  echo "compose: installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >"$COMPOSE_WORK/apt.log" 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >"$COMPOSE_WORK/apt.log" 2>&1; } \
    || { tail -20 "$COMPOSE_WORK/apt.log" >&2; compose_unavailable "apt-get install ${missing[*]} failed"; }
}

# shellcheck source=engine.sh
. "$COMPOSE_DIR/engine.sh"
# shellcheck source=images.sh
. "$COMPOSE_DIR/images.sh"
# shellcheck source=stacks.sh
. "$COMPOSE_DIR/stacks.sh"
# shellcheck source=operations.sh
. "$COMPOSE_DIR/operations.sh"

# dockerd, containerd and shims still alive. A shim that has exited but shows as
# <defunct> (state Z) is not counted: shims daemonize, so once orphaned their parent is
# the machine's PID 1, and whether and when it reaps them is not ours to decide. A
# zombie holds no memory, file, mount or port.
live_engine_processes() {
  ps -eo pid=,stat=,args= | awk '$2 !~ /^Z/ {
    n = split($3, part, "/"); name = part[n]
    if (name == "dockerd" || name == "containerd" || name ~ /^containerd-shim/) print
  }'
}

cleanup() {
  local rc=$? private=${ENGINE_PID:-} left
  set +e
  stacks_down
  engine_stop
  # Nothing of a private engine may outlive the suite: no daemon, no bridge link.
  if [ -n "$private" ]; then
    left=$(live_engine_processes; ip -o link show | grep -o -E ' (docker0|br-[0-9a-f]{12})[:@]')
    if [ -n "$left" ]; then
      echo "compose: FAIL left running after the suite: $left" >&2
      rc=1
    else
      echo "compose: ok   the private engine is stopped: no dockerd, containerd or bridge link left"
    fi
  fi
  if [ "$rc" = 0 ]; then rm -rf "$COMPOSE_WORK"; else echo "compose: logs kept in $COMPOSE_WORK" >&2; fi
  exit "$rc"
}
trap cleanup EXIT
trap "exit 130" INT TERM

# One function, so that bash has read all of it before it runs (an edit of this file
# during a run cannot change what the run does).
main() {
  SUITE_START=$SECONDS
  start=$SECONDS
  ensure_packages
  engine_start || exit 1
  build_standins
  build_service_images
  timing "build total $((SECONDS - start))s"
  [ "${1:-}" = build ] && exit 0
  # From here on every check reports its own failure (stacks.sh: pass/fail) and the suite
  # goes on to the next; only a stack that does not come up ends it early.
  set +e

  mkdir -p "$COMPOSE_WORK/certs"
  nginx/dev-certs.sh "$COMPOSE_WORK/certs" bank-a.test bank-b.test >/dev/null
  FLOW_PAYMENT_ID="compose-$(date +%s)"

  # (a) The default stack: one bank on testnet. Nothing leaves this host, so its bridge
  # cannot reach Horizon and must say exactly that: degraded, alive.
  A=anchorct-testnet
  AENV="$COMPOSE_WORK/$A.env"
  make_env "$AENV" testnet
  PROJECTS+=("$A")
  start=$SECONDS
  dc "$A" "$AENV" up -d --no-build >"$COMPOSE_WORK/$A-up.log" 2>&1 || { cat "$COMPOSE_WORK/$A-up.log" >&2; exit 1; }
  timing "$A up -d $((SECONDS - start))s"
  wait_stack "$A" bridge || exit 1
  APORT=$(published "$A" "$AENV" 443)
  check_stellar_toml bank-a.test "$APORT"
  check_internal_paths "$APORT" bank-a.test
  check_published_ports "$A"
  check_nginx_isolation "$A" ""
  check_missing_secret "$A" "$AENV" BRIDGE_API_KEY
  check_port_taken "$A" "$AENV"
  stacks_down

  # (b) --profile local: localnet and bank B, and the demo's payment between the banks.
  B=anchorct-local
  BENV="$COMPOSE_WORK/$B.env"
  make_env "$BENV" local
  PROJECTS+=("$B")
  L=(--profile local)
  start=$SECONDS
  dc "$B" "$BENV" "${L[@]}" up -d --no-build >"$COMPOSE_WORK/$B-up.log" 2>&1 || { cat "$COMPOSE_WORK/$B-up.log" >&2; exit 1; }
  timing "$B up -d $((SECONDS - start))s"
  wait_stack "$B" || exit 1
  seed_customers "$B" "$BENV"
  BPORT=$(published "$B" "$BENV" 443 "${L[@]}")
  check_stellar_toml bank-a.test "$BPORT"
  check_stellar_toml bank-b.test "$BPORT"
  check_federation "$BPORT"
  check_internal_paths "$BPORT" bank-a.test bank-b.test
  check_published_ports "$B"
  check_nginx_isolation "$B" ""
  check_nginx_isolation "$B" -b
  check_images "$B"
  check_payment "$B" "$BENV"
  check_down_up "$B" "$BENV"
  check_upgrade "$B" "$BENV"
  stacks_down

  timing "suite total $((SECONDS - SUITE_START))s"
  if [ "$FAILURES" -gt 0 ]; then
    echo "compose: $FAILURES check(s) FAILED" >&2
    exit 1
  fi
  echo "compose: every check passed"
}

main "$@"
