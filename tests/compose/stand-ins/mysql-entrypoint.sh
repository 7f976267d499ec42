#!/bin/bash
# Entrypoint of the mysql:8.4 STAND-IN (see mysql.Dockerfile): on an empty data
# directory, initialise it, set the root password, create MYSQL_DATABASE and
# MYSQL_USER, run /docker-entrypoint-initdb.d; then run the server in the foreground.
set -euo pipefail
: "${MYSQL_ROOT_PASSWORD:?MYSQL_ROOT_PASSWORD is required}"
datadir=/var/lib/mysql
chown -R mysql:mysql "$datadir" /run/mysqld
if [ ! -d "$datadir/mysql" ]; then
  mariadb-install-db --user=mysql --datadir="$datadir" --skip-test-db >/dev/null
  mariadbd --user=mysql --datadir="$datadir" --skip-networking --socket=/run/mysqld/init.sock &
  pid=$!
  for _ in $(seq 100); do
    mariadb-admin --socket=/run/mysqld/init.sock ping --silent 2>/dev/null && break
    sleep 0.2
  done
  sql() { mariadb --protocol=socket --socket=/run/mysqld/init.sock -u root "$@"; }
  sql <<SQL
ALTER USER 'root'@'localhost' IDENTIFIED BY '${MYSQL_ROOT_PASSWORD}';
CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY '${MYSQL_ROOT_PASSWORD}';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;
SQL
  export MYSQL_PWD="$MYSQL_ROOT_PASSWORD"
  if [ -n "${MYSQL_DATABASE:-}" ]; then sql -e "CREATE DATABASE IF NOT EXISTS \`${MYSQL_DATABASE}\`"; fi
  if [ -n "${MYSQL_USER:-}" ]; then
    sql -e "CREATE USER IF NOT EXISTS '${MYSQL_USER}'@'%' IDENTIFIED BY '${MYSQL_PASSWORD:?MYSQL_PASSWORD is required with MYSQL_USER}'"
    if [ -n "${MYSQL_DATABASE:-}" ]; then sql -e "GRANT ALL ON \`${MYSQL_DATABASE}\`.* TO '${MYSQL_USER}'@'%'"; fi
  fi
  # The init scripts connect with `mysql -u root --protocol=socket`: the default socket.
  ln -sf /run/mysqld/init.sock /run/mysqld/mysqld.sock
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh) bash "$f" ;;
      *.sql) sql < "$f" ;;
    esac
  done
  unset MYSQL_PWD
  rm -f /run/mysqld/mysqld.sock
  kill "$pid"
  wait "$pid" || true
fi
exec "$@" --user=mysql --datadir="$datadir" --bind-address=0.0.0.0 --skip-name-resolve
