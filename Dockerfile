# posplus node image. Build:  docker build -t posplus .
# Run one node:               docker run --rm -p 8545:8545 posplus
# A LAN of identical replicas: docker compose up --scale node=9   (see docker-compose.yml)
#
# The image already has Node 24, so the `node` npm package (a devDependency that brings Node 24 to machines
# with an older system Node) is used only while building and is pruned with the other dev dependencies.

############################ build: compile TypeScript, then keep only the production dependencies
FROM node:24-bookworm-slim AS build
# Names the intermediate image the legacy builder leaves behind, so it can be pruned alone.
LABEL posplus.stage=build
WORKDIR /app
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
# Dependencies first, so that a change to the sources reuses this layer. classic-level's native binding loads from
# the prebuilt binaries its package ships (linux x64/arm64, glibc), so no compiler is needed.
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY protocols ./protocols
COPY src ./src
# src/core/wire/ is generated from protocols/ by `npm run proto` (protons writes into an existing folder).
# tsconfig also covers test/, which is not in the context: only src/ is compiled here.
RUN mkdir -p src/core/wire \
 && npm run build \
 && npm prune --omit=dev \
 && npm cache clean --force

############################ runtime
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    DATA_DIR=/data \
    RPC_HOST=0.0.0.0 \
    RPC_PORT=8545 \
    P2P_HOST=0.0.0.0 \
    P2P_PORT=9000
# A fixed uid and gid (10001), so that a host directory mounted at /data can be given to it (README).
RUN groupadd --system --gid 10001 posplus \
 && useradd --system --uid 10001 --gid posplus --home-dir /app --no-create-home --shell /usr/sbin/nologin posplus \
 && mkdir -p /data \
 && chown posplus:posplus /data
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json /app/package-lock.json ./
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root config ./config
# The dashboard the node serves at GET / on its RPC port.
COPY --chown=root:root web ./web
# The node key (node.key, mode 0600) and the chain database live here; one volume per replica.
VOLUME ["/data"]
USER posplus
# 9000: libp2p TCP (peers); 8545: JSON-RPC, GET /health, GET /metrics
EXPOSE 9000 8545
# /health answers 200 once the node has a chain, is not syncing and has peers. The check asks the RPC the node
# wrote to DATA_DIR/rpc.url when it opened it, so a port set by a flag or a --config file is the one asked.
HEALTHCHECK --interval=10s --timeout=5s --start-period=90s --retries=3 \
  CMD ["node", "dist/src/cli/healthcheck.js"]
STOPSIGNAL SIGTERM
# --max-semi-space-size: see NODE_HEAP_FLAGS in src/cli/devnet.ts.
ENTRYPOINT ["node", "--max-semi-space-size=8", "dist/src/cli/main.js"]
CMD ["node"]
