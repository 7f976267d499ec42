# STAND-IN for the upstream image `node:20-bookworm-slim` (Docker Hub), which cannot be
# pulled here: no registry is reachable. Built by tests/compose/images.sh from a
# debootstrap'd Debian 12 minbase and the HOST's Node 20 (binary, npm, headers).
# Only the compose suite uses it; docker/*.Dockerfile keep naming the real image.
FROM anchor-standin/bookworm-minbase
# The upstream image keeps node under /usr/local and has a `node` user with uid 1000.
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY include /usr/local/include/node
# The host reaches the npm registry through a proxy its CA bundle trusts; npm runs
# at build time in the service images' builder stage.
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
  && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
  && groupadd --gid 1000 node \
  && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
CMD ["node"]
