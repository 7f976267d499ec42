# anchor-toml: writes a bank's stellar.toml from its configs (a one-shot job in docker-compose).
# Build from the repository root, on its own:
#   docker build -f docker/tools.Dockerfile -t anchor/tools .
#   docker run --rm -v "$PWD/docker/config/bank-a:/config:ro" -v "$PWD/out:/out" anchor/tools --domain bank-a.test --compliance /config/compliance.cfg --out /out/stellar.toml
# Secrets come from the environment: COMPLIANCE_SIGNING_SEED, BRIDGE_BASE_SEED, BRIDGE_AUTHORIZING_SEED (read, never printed).
# The TypeScript sources run through tsx (no build step), so the image holds the
# sources of @anchor/tools and of the workspace packages it depends on, with their
# production dependencies installed by pnpm from the lockfile.
FROM node:20-bookworm-slim AS builder
# better-sqlite3 compiles its native binding when no prebuilt binary can be fetched.
ENV CI=true npm_config_nodedir=/usr/local
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/* \
  && npm install -g pnpm@10.34.9
WORKDIR /app
# Manifests first, so the dependency layer is reused until they change.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY packages/localnet/package.json packages/localnet/
COPY packages/protocol/package.json packages/protocol/
COPY packages/support/package.json packages/support/
COPY packages/tools/package.json packages/tools/
COPY docker/prune-node-modules.sh /usr/local/bin/
RUN pnpm install --frozen-lockfile --prod --filter "@anchor/tools..." \
  && prune-node-modules.sh /app
COPY packages/localnet/ packages/localnet/
COPY packages/protocol/ packages/protocol/
COPY packages/support/ packages/support/
COPY packages/tools/ packages/tools/

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=builder /app /app
# The stellar.toml files go to /out (a named volume in docker-compose that nginx reads).
RUN mkdir -p /out && chown node:node /out
USER node
ENTRYPOINT ["node", "packages/tools/bin/anchor-toml.js"]
CMD ["--help"]
