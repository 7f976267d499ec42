# Sourced by run.sh: the operations a bank does with compose, each checked. The payment
# steps run in payment-flow.ts (a helper container on the back network, see flow()).

# Bank B's services carry a -b suffix.
bank_suffix() { if [ "$1" = b ]; then echo -b; fi; }

# A required secret missing from the environment: `up` refuses, naming it, and creates nothing.
check_missing_secret() {
  local project=$1 envfile=$2 var=$3 out
  grep -v "^$var=" "$envfile" >"$COMPOSE_WORK/missing.env"
  if out=$(env -u "$var" docker-compose -p "$project-missing" --env-file "$COMPOSE_WORK/missing.env" up -d --no-build 2>&1); then
    fail "up without $var succeeded"
    return
  fi
  expect "up without $var fails naming it ($(grep -m1 -o "in service \"[a-z-]*\": $var is required.*" <<<"$out"))" grep -q "$var is required" <<<"$out"
  expect "up without $var creates no container" test -z "$(containers "$project-missing")"
}

# nginx's port already taken on the host: one message naming the address.
check_port_taken() {
  local project=$1 envfile=$2 holder port out
  node -e 'require("net").createServer().listen(0, "127.0.0.1", function () { console.log(this.address().port); })' \
    >"$COMPOSE_WORK/holder.port" &
  holder=$!
  for _ in $(seq 50); do [ -s "$COMPOSE_WORK/holder.port" ] && break; sleep 0.1; done
  port=$(cat "$COMPOSE_WORK/holder.port")
  out=$(ANCHOR_HTTPS_PORT="127.0.0.1:$port" dc "$project" "$envfile" up -d --no-build --no-deps nginx 2>&1) && fail "up with 127.0.0.1:$port taken succeeded"
  kill "$holder"
  expect "up with nginx's port taken says so ($(grep -m1 -o "listen tcp4 127.0.0.1:$port: bind: address already in use" <<<"$out"))" \
    grep -q "127.0.0.1:$port: bind: address already in use" <<<"$out"
}

# The demo's customers, registered the way a bank adds its own: a one-shot `callbacks --seed`.
seed_customers() {
  local project=$1 envfile=$2 bank service
  for bank in a b; do
    service=callbacks-migrate$(bank_suffix "$bank")
    flow "$project" customers "$bank" >"$COMPOSE_WORK/customers-$bank.json"
    chmod 644 "$COMPOSE_WORK/customers-$bank.json"
    dc "$project" "$envfile" --profile local run --rm --no-deps \
      -v "$COMPOSE_WORK/customers-$bank.json:/seed/customers.json:ro" \
      "$service" -c /config/callbacks.cfg --seed /seed/customers.json >>"$COMPOSE_WORK/seed.log" 2>&1 \
      || { cat "$COMPOSE_WORK/seed.log" >&2; fail "seeding bank $bank's customers"; return 1; }
  done
  pass "the demo's customers registered at both banks (callbacks --seed)"
}

# pending → restart bridge A → approval in bank B's console → ok → paid → restart bridge B
# → delivered and credited exactly once.
check_payment() {
  local project=$1 envfile=$2 out
  out=$(flow "$project" pending 2>&1) && pass "payment: $out" || { fail "payment pending: $out"; return 1; }
  dc "$project" "$envfile" --profile local restart bridge >/dev/null 2>&1
  wait_stack "$project" || return 1
  out=$(flow "$project" approve-and-pay 2>&1) || { fail "payment approve-and-pay: $out"; return 1; }
  pass "payment after restarting bridge A: $(grep '^ok' <<<"$out" | tr '\n' ';')"
  PAYMENT_HASH=$(sed -n 's/^hash //p' <<<"$out")
  dc "$project" "$envfile" --profile local restart bridge-b >/dev/null 2>&1
  wait_stack "$project" || return 1
  out=$(flow "$project" delivered "$PAYMENT_HASH" 2>&1) || { fail "payment delivered: $out"; return 1; }
  pass "payment after restarting bridge B: $(tr '\n' ';' <<<"$out")"
}

# `down` then `up`: the named volumes keep the banks' books.
check_down_up() {
  local project=$1 envfile=$2 out
  dc "$project" "$envfile" --profile local down >/dev/null 2>&1
  dc "$project" "$envfile" --profile local up -d --no-build >"$COMPOSE_WORK/$project-up2.log" 2>&1 \
    || { cat "$COMPOSE_WORK/$project-up2.log" >&2; fail "up after down"; return 1; }
  wait_stack "$project" || return 1
  out=$(flow "$project" balance 2>&1)
  expect "after down and up b1 still has its 25.00 USD ($out)" test "$out" = "b1 25.00 USD"
}

# An image upgrade: a callbacks image with one more migration (upgrade/callbacks.Dockerfile).
# `up` with the new tag runs it in the migrate job, and callbacks starts only after that.
check_upgrade() {
  local project=$1 envfile=$2 tag=compose-upgrade name applied bank job svc finished started
  docker build -q --build-arg "BASE=anchor/callbacks:$VERSION" -t "anchor/callbacks:$tag" \
    "$COMPOSE_DIR/upgrade" -f "$COMPOSE_DIR/upgrade/callbacks.Dockerfile" >/dev/null || { fail "building the upgrade image"; return 1; }
  for name in federation compliance bridge localnet tools; do docker tag "anchor/$name:$VERSION" "anchor/$name:$tag"; done
  ANCHOR_VERSION=$tag dc "$project" "$envfile" --profile local up -d --no-build >"$COMPOSE_WORK/$project-up3.log" 2>&1 \
    || { cat "$COMPOSE_WORK/$project-up3.log" >&2; fail "up with the upgraded images"; return 1; }
  wait_stack "$project" || return 1
  for bank in a b; do
    # shellcheck disable=SC2016
    applied=$(dc "$project" "$envfile" --profile local exec -T mysql sh -c \
      "MYSQL_PWD=\"\$MYSQL_ROOT_PASSWORD\" mysql -N -u root -e \"SELECT name FROM bank_${bank}_callbacks.callbacks_migrations WHERE name LIKE '%compose_upgrade_probe'; SHOW TABLES FROM bank_${bank}_callbacks LIKE 'compose_upgrade_probe'\"" 2>&1)
    expect "upgrade: bank $bank's migrate job applied the new migration ($(tr '\n' ' ' <<<"$applied"))" \
      test "$(wc -l <<<"$applied")" = 2
    job=callbacks-migrate$(bank_suffix "$bank")
    svc=callbacks$(bank_suffix "$bank")
    finished=$(docker inspect -f '{{.State.FinishedAt}}' "$(docker ps -aq --filter "label=com.docker.compose.project=$project" --filter "label=com.docker.compose.service=$job")")
    started=$(docker inspect -f '{{.State.StartedAt}}' "$(service_id "$project" "$svc")")
    expect "upgrade: $svc started ($started) after $job finished ($finished)" test "$(date -d "$started" +%s%N)" -gt "$(date -d "$finished" +%s%N)"
  done
  out=$(flow "$project" balance 2>&1)
  expect "after the upgrade b1 still has its 25.00 USD ($out)" test "$out" = "b1 25.00 USD"
  for name in callbacks federation compliance bridge localnet tools; do docker rmi "anchor/$name:$tag" >/dev/null 2>&1; done
}
