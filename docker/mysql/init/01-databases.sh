#!/bin/bash
# Runs once, when the MySQL volume is first initialised: one database per
# service and bank, all owned by the `anchor` user the image created from
# MYSQL_USER/MYSQL_PASSWORD. Federation reads the callbacks database.
set -euo pipefail
export MYSQL_PWD="$MYSQL_ROOT_PASSWORD"
for bank in bank_a bank_b; do
  for service in callbacks compliance bridge; do
    mysql -u root --protocol=socket -e \
      "CREATE DATABASE IF NOT EXISTS \`${bank}_${service}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
       GRANT ALL PRIVILEGES ON \`${bank}_${service}\`.* TO '${MYSQL_USER}'@'%';"
  done
done
