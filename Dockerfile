# syntax=docker/dockerfile:1
# Patchbay's container image: docs/operations.md, "Running in a container". The build steps are run
# outside Docker, with the machine's Node and npm, by packages/server/test/ops/dockerfile.test.ts,
# which then starts the result with this file's ENV and CMD and probes it as HEALTHCHECK does.

ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-bookworm-slim AS build
# better-sqlite3 is compiled from source against this image's Node (python3, make and g++ for
# node-gyp), rather than downloading a prebuilt binary.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV npm_config_build_from_source=true
# The whole context (see .dockerignore): every workspace's package.json must be there for npm ci.
COPY . .
# nodedir: the headers of the Node that runs the build (its install prefix), so node-gyp downloads none.
RUN npm_config_nodedir="$(dirname "$(dirname "$(command -v node)")")" npm ci --no-audit --no-fund
RUN npm run build
# Only the runtime dependencies go to the image; `data` becomes the (empty) database volume.
RUN npm prune --omit=dev --no-audit --no-fund && mkdir data

FROM node:${NODE_VERSION}-bookworm-slim
# NODE_OPTIONS: a young generation of 2 MiB semi-spaces keeps an idle process about 20 MiB smaller, at
# no throughput cost measured. MALLOC_*: glibc's malloc, told to keep 2 arenas and to hand blocks
# over 128 KiB straight back to the system; left to adapt, it keeps about 6 MiB the start freed
# (docs/operations.md, "Sizing").
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=2 \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=131072 \
    PATCHBAY_HOST=0.0.0.0 \
    PATCHBAY_PORT=3000 \
    PATCHBAY_DATA_DIR=/var/lib/patchbay
WORKDIR /app
# The code belongs to root, read-only for the server; only the data directory is the server's.
COPY --from=build /app /app
COPY --from=build --chown=node:node /app/data /var/lib/patchbay
USER node
VOLUME ["/var/lib/patchbay"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PATCHBAY_PORT + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM: Patchbay finishes the requests in flight, within PATCHBAY_SHUTDOWN_TIMEOUT_MS (10 s, which
# is docker stop's default grace period: give `docker stop -t` more if you raise it).
STOPSIGNAL SIGTERM
CMD ["node", "packages/server/bin/patchbay.js", "start"]
