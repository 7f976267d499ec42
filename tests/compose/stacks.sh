# Sourced by run.sh: bringing a compose project up and down, and the checks a bank's
# neighbours can make from outside, through nginx only (curl with the dev CA, the
# bank names resolved to the loopback port nginx publishes).
#
# Each stack is its own compose project (anchorct-*), with its own env file under
# $COMPOSE_WORK: docker/local.env's development secrets, nginx published on 127.0.0.1
# with ports the engine picks (`127.0.0.1:` + `:443` = `127.0.0.1::443`).

VERSION="${ANCHOR_VERSION:-0.1.0}"
WAIT_BOUND="${ANCHOR_COMPOSE_WAIT:-300}"
PROJECTS=()
FAILURES=0

pass() { echo "compose: ok   $*"; }
fail() {
  echo "compose: FAIL $*" >&2
  FAILURES=$((FAILURES + 1))
}
expect() {
  local what=$1
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}

# dc <project> <env file> [--profile local] args…: docker-compose for one project.
dc() {
  local project=$1 envfile=$2
  shift 2
  docker-compose -p "$project" --env-file "$envfile" "$@"
}

# The env file of a stack: docker/local.env, minus what the stack changes.
make_env() {
  local out=$1 network=$2
  grep -v -E '^(ANCHOR_NETWORK|ANCHOR_HTTPS_PORT|ANCHOR_HTTP_PORT)=' docker/local.env >"$out"
  printf 'ANCHOR_NETWORK=%s\nANCHOR_HTTPS_PORT=127.0.0.1:\nANCHOR_HTTP_PORT=127.0.0.1:\nANCHOR_CERTS_DIR=%s\n' \
    "$network" "$COMPOSE_WORK/certs" >>"$out"
}

# A value of an env file (the development secrets the checks need).
env_value() { grep -E "^$2=" "$1" | head -1 | cut -d= -f2-; }

containers() { docker ps -aq --filter "label=com.docker.compose.project=$1"; }

# One line per container: service state health exit-code restart-policy.
states() {
  # shellcheck disable=SC2046
  docker inspect -f '{{index .Config.Labels "com.docker.compose.service"}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}-{{end}} {{.State.ExitCode}} {{.HostConfig.RestartPolicy.Name}}' $(containers "$1")
}

# wait_stack <project> [service whose /health must say degraded…]: every service healthy
# and every one-shot job exited 0 within $WAIT_BOUND s; a job that fails, or a service that
# exits, ends the wait at once. The services named are instead expected to answer /health
# with `degraded` (503) and /health/live with 200.
wait_stack() {
  local project=$1 start=$SECONDS line name state health code policy pending
  shift
  local degraded=" $* "
  while :; do
    pending=""
    while read -r name state health code policy; do
      if [ "$policy" = no ]; then
        [ "$state" = exited ] || { pending+=" $name($state)"; continue; }
        [ "$code" = 0 ] || { fail "$project: job $name exited $code"; dc_logs "$project" "$name"; return 1; }
      elif [[ "$degraded" == *" $name "* ]]; then
        [ "$state" = running ] && health_says "$project" "$name" degraded || pending+=" $name(not degraded yet)"
      else
        case "$state/$health" in
          running/healthy) ;;
          running/*) pending+=" $name($health)" ;;
          # A service waiting for something by design (bank A's bridge until local-setup has
          # funded its accounts) restarts; one that never settles fails at the bound, with its logs.
          restarting/*) pending+=" $name(restarting)" ;;
          *) fail "$project: $name is $state (exit $code)"; dc_logs "$project" "$name"; return 1 ;;
        esac
      fi
    done < <(states "$project")
    [ -z "$pending" ] && break
    if [ $((SECONDS - start)) -ge "$WAIT_BOUND" ]; then
      fail "$project: not ready within ${WAIT_BOUND}s:$pending"
      for name in $pending; do dc_logs "$project" "${name%%(*}"; done
      return 1
    fi
    sleep 2
  done
  pass "$project: every service healthy${*:+ (but $* degraded, as expected)} and every job exited 0 in $((SECONDS - start))s"
  timing "$project ready after $((SECONDS - start))s of waiting"
}

dc_logs() {
  local id
  id=$(docker ps -aq --filter "label=com.docker.compose.project=$1" --filter "label=com.docker.compose.service=$2" | head -1)
  [ -n "$id" ] && docker logs --tail 30 "$id" >&2 2>&1
}

service_id() {
  docker ps -q --filter "label=com.docker.compose.project=$1" --filter "label=com.docker.compose.service=$2" | head -1
}

# health_says <project> <service> <status>: the service's /health status, read from inside
# its container, with /health/live answering 200.
health_says() {
  local id
  id=$(service_id "$1" "$2")
  [ -n "$id" ] || return 1
  # shellcheck disable=SC2016
  docker exec "$id" node -e '
    const base = process.env.HEALTHCHECK_URL.replace(/\/health$/, "");
    Promise.all([fetch(base + "/health"), fetch(base + "/health/live")])
      .then(async ([h, l]) => { const b = await h.json(); process.exit(b.status === process.argv[1] && l.status === 200 ? 0 : 1); })
      .catch(() => process.exit(1));' "$3" >/dev/null 2>&1
}

# The host port nginx publishes for a container port.
published() { dc "$1" "$2" "${@:4}" port nginx "$3" | sed 's/.*://'; }

# curl_bank <domain> <https port> <path> [curl args…]: through nginx, trusting only the dev CA.
curl_bank() {
  local domain=$1 port=$2 path=$3
  shift 3
  curl -sS --max-time 10 --cacert "$COMPOSE_WORK/certs/ca.crt" --resolve "$domain:$port:127.0.0.1" \
    "$@" "https://$domain:$port$path"
}

check_stellar_toml() {
  local domain=$1 port=$2 body
  body=$(curl_bank "$domain" "$port" /.well-known/stellar.toml) || { fail "$domain stellar.toml: curl failed"; return; }
  expect "$domain serves its stellar.toml over TLS with the dev CA" \
    grep -q "^FEDERATION_SERVER = \"https://$domain/federation\"" <<<"$body"
  expect "$domain stellar.toml names its SIGNING_KEY" grep -q '^SIGNING_KEY = "G' <<<"$body"
}

check_federation() {
  local port=$1 body
  body=$(curl_bank bank-b.test "$port" '/federation?q=b1*bank-b.test&type=name') || { fail "federation: curl failed"; return; }
  expect "bank B's federation resolves b1*bank-b.test through nginx ($body)" \
    node -e 'const r = JSON.parse(process.argv[1]); process.exit(r.stellar_address === "b1*bank-b.test" && /^G[A-Z2-7]{55}$/.test(r.account_id) && r.memo_type === "id" ? 0 : 1)' "$body"
}

# Every internal path answers 404 at nginx (tests/deploy/nginx.test.ts has the same list
# against nginx alone; here it is the compose stack's nginx in front of real services).
check_internal_paths() {
  local port=$1 domain method path code bad=""
  shift
  for domain in "$@"; do
    for route in GET:/send POST:/send POST:/receive POST:/allow_access POST:/remove_access \
      POST:/payment POST:/builder POST:/create-keypair POST:/authorize POST:/reprocess \
      GET:/console GET:/console/login GET:/console/approvals GET:/admin/received-payments \
      GET:/health GET:/health/live GET:/metrics GET:/tx_status POST:/compliance/send \
      POST:/compliance/receive GET:/federation/extra; do
      method=${route%%:*}
      path=${route#*:}
      if [ "$method" = POST ]; then
        code=$(curl_bank "$domain" "$port" "$path" --data a=1 -o /dev/null -w '%{http_code}')
      else
        code=$(curl_bank "$domain" "$port" "$path" -o /dev/null -w '%{http_code}')
      fi
      [ "$code" = 404 ] || bad+=" $domain$method$path=$code"
    done
  done
  expect "nginx answers 404 for every internal path on $*${bad:+ (not:$bad)}" test -z "$bad"
}

# Only nginx publishes ports, and only on 127.0.0.1.
check_published_ports() {
  local project=$1 name bindings bad=""
  while read -r name bindings; do
    [ -z "$bindings" ] && continue
    if [ "$name" != nginx ]; then
      bad+=" $name publishes $bindings"
    else
      for b in $bindings; do [[ "$b" == *=127.0.0.1:* ]] || bad+=" nginx $b"; done
    fi
  done < <(
    # shellcheck disable=SC2046
    docker inspect -f '{{index .Config.Labels "com.docker.compose.service"}} {{range $p, $b := .HostConfig.PortBindings}}{{range $b}}{{$p}}={{.HostIp}}:{{.HostPort}} {{end}}{{end}}' $(containers "$project")
  )
  expect "$project: only nginx publishes ports, on 127.0.0.1 only${bad:+ (not:$bad)}" test -z "$bad"
}

# From inside the nginx container (issue 15 #1): the public upstreams answer, the internal
# ports (compliance 8004, callbacks 8005, bridge 8006) do not, by name or by address.
check_nginx_isolation() {
  local project=$1 suffix=$2 nginx target reached=""
  nginx=$(service_id "$project" nginx)
  # timeout(1): a connection that hangs fails in 4 s (GNU wget retries timeouts, busybox has no -t).
  from_nginx() { docker exec "$nginx" timeout 4 wget -q -T 3 -O /dev/null "$1" >/dev/null 2>&1; }
  expect "$project: nginx reaches federation$suffix:8002 (the control)" from_nginx "http://federation$suffix:8002/health"
  for target in "compliance$suffix:8004" "compliance$suffix-internal:8004" "callbacks$suffix:8005" \
    "bridge$suffix:8006" "bridge$suffix-internal:8006"; do
    from_nginx "http://$target/health" && reached+=" $target"
  done
  # By address too: every address of those containers, on any network.
  for target in "compliance$suffix:8004" "callbacks$suffix:8005" "bridge$suffix:8006"; do
    for ip in $(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}' "$(service_id "$project" "${target%:*}")"); do
      from_nginx "http://$ip:${target#*:}/health" && reached+=" ${target%:*}@$ip:${target#*:}"
    done
  done
  expect "$project: from inside nginx the internal ports are unreachable${reached:+ (reached:$reached)}" test -z "$reached"
}

# Runs payment-flow.ts in a helper container of the tools image on the back network
# (the engine's warning about forwarding is expected: engine.sh turns it off on purpose).
flow() {
  local project=$1
  shift
  docker run --rm --network "${project}_back" \
    --env-file docker/local-setup.env \
    -e FLOW_PAYMENT_ID="$FLOW_PAYMENT_ID" \
    -e FLOW_BRIDGE_API_KEY_A="$(env_value docker/local.env BRIDGE_API_KEY)" \
    -e FLOW_OPERATOR_PASSWORD_B="$(env_value docker/bank-b.local.env CALLBACKS_OPERATOR_PASSWORD)" \
    -v "$COMPOSE_DIR/payment-flow.ts:/flow/payment-flow.ts:ro" \
    -w /app/packages/tools --entrypoint sh "anchor/tools:$VERSION" -c '
      # The repository layout under /tmp/flow: the script imports the demo modules by
      # relative path and the stellar-sdk from node_modules, as it does in the repository.
      mkdir -p /tmp/flow/tests/compose && cp /flow/payment-flow.ts /tmp/flow/tests/compose/ &&
      echo "{\"type\": \"module\"}" >/tmp/flow/package.json &&
      ln -s /app/packages /tmp/flow/packages && ln -s /app/packages/tools/node_modules /tmp/flow/node_modules &&
      exec node --import tsx /tmp/flow/tests/compose/payment-flow.ts "$@"' flow "$@" \
    2> >(grep -v 'IPv4 forwarding is disabled' >&2)
}

stacks_down() {
  local project
  for project in "${PROJECTS[@]}"; do
    dc "$project" "$COMPOSE_WORK/$project.env" --profile local down -v --remove-orphans >/dev/null 2>&1
  done
  PROJECTS=()
}

# What the runtime images hold (issue 15 #4): no better-sqlite3 build leftovers, no localnet
# in the bridge image; and each compose service has compose's short health-check interval (#3).
check_images() {
  local project=$1 name bad="" slow=""
  for name in callbacks federation compliance bridge localnet tools; do
    # shellcheck disable=SC2016
    docker run --rm --entrypoint sh "anchor/$name:$VERSION" -c '
      for p in node_modules/.pnpm/better-sqlite3@*/node_modules/better-sqlite3; do
        [ -d "$p" ] || continue
        [ ! -e "$p/deps" ] && [ ! -e "$p/src" ] && [ -z "$(ls "$p/build" 2>/dev/null | grep -v -x Release)" ] || exit 1
      done' 2>/dev/null || bad+=" $name(better-sqlite3 build leftovers)"
  done
  docker run --rm --entrypoint sh "anchor/bridge:$VERSION" -c \
    '[ ! -e packages/localnet ] && ! ls node_modules/.pnpm | grep -q localnet' 2>/dev/null || bad+=" bridge(ships localnet)"
  expect "runtime images hold no build leftovers and the bridge no localnet${bad:+ (not:$bad)}" test -z "$bad"
  while read -r name interval; do
    [ "$interval" = 3s ] || slow+=" $name=$interval"
  done < <(
    # shellcheck disable=SC2046
    docker inspect -f '{{index .Config.Labels "com.docker.compose.service"}} {{if .Config.Healthcheck}}{{.Config.Healthcheck.Interval}}{{end}}' \
      $(docker ps -q --filter "label=com.docker.compose.project=$project" --filter status=running) | grep -v -E '^mysql '
  )
  expect "every service health-checks every 3 s under compose${slow:+ (not:$slow)}" test -z "$slow"
}
