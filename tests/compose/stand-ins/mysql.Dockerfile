# STAND-IN for the upstream image `mysql:8.4` (Docker Hub), which cannot be pulled
# here. Debian 12's MariaDB server behind an entrypoint that honours the variables
# and init directory of the upstream image that docker-compose.yml relies on:
# MYSQL_ROOT_PASSWORD, MYSQL_USER, MYSQL_PASSWORD, MYSQL_DATABASE and
# /docker-entrypoint-initdb.d/*.sh|*.sql (run once, on an empty data directory).
FROM anchor-standin/bookworm-minbase
RUN apt-get update \
  && apt-get install -y --no-install-recommends mariadb-server mariadb-client \
  && rm -rf /var/lib/apt/lists/* /var/lib/mysql/* \
  && mkdir -p /run/mysqld /docker-entrypoint-initdb.d \
  && chown mysql:mysql /run/mysqld /var/lib/mysql
COPY mysql-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
VOLUME /var/lib/mysql
EXPOSE 3306
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
CMD ["mariadbd"]
