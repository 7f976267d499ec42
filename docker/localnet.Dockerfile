# localnet: a Horizon-compatible local Stellar network (development and demo only).
# Build from the repository root, on its own:
#   docker build -f docker/localnet.Dockerfile -t anchor/localnet .
#   docker run --rm -p 8000:8000 anchor/localnet
# The TypeScript sources run through tsx (no build step), so the image holds the
# sources of @anchor/localnet and of the workspace packages it depends on, with their
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
COPY packages/protocol/package.json packages/protocol/
COPY packages/localnet/package.json packages/localnet/
COPY docker/prune-node-modules.sh /usr/local/bin/
RUN pnpm install --frozen-lockfile --prod --filter "@anchor/localnet..." \
  && prune-node-modules.sh /app
COPY packages/protocol/ packages/protocol/
COPY packages/localnet/ packages/localnet/

FROM node:20-bookworm-slim
ENV NODE_ENV=production
ENV HEALTHCHECK_URL=http://127.0.0.1:8000/health
WORKDIR /app
COPY --from=builder /app /app
# --snapshot keeps the ledger in /data (docker-compose mounts a named volume there).
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8000
# /health with the node that is already there (no curl in a slim image); docker-compose.yml sets a shorter interval and a start period.
HEALTHCHECK --interval=15s --timeout=5s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.HEALTHCHECK_URL).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "packages/localnet/bin/localnet.js"]
CMD ["--host", "0.0.0.0", "--port", "8000", "--close-interval", "5s"]
