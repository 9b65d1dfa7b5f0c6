# syntax=docker/dockerfile:1
# The onceonly hub as a container image: the built launcher and services only, production dependencies only,
# run as a non-root user. One image for every service: `--services` chooses what a container hosts (ADR 034).
#
#   docker build -t onceonly/hub:0.1.0 .
#   docker run --rm onceonly/hub:0.1.0 config          # the variables `start` reads
#
# Not built or run on the project's machines (no container engine there): deploy/README.md says what was checked.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: every workspace's dependencies, the contracts generated, the hub and what it depends on compiled ----
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
COPY patches ./patches
# every workspace's manifest: the lockfile names them all
COPY libs ./libs
COPY services ./services
COPY test/bench/package.json ./test/bench/package.json
COPY test/e2e/package.json ./test/e2e/package.json
RUN npm ci
COPY proto ./proto
COPY scripts ./scripts
COPY buf.yaml buf.gen.yaml turbo.json tsconfig.base.json ./
ENV TURBO_TELEMETRY_DISABLED=1
RUN npx turbo run build --filter=@onceonly/hub... --output-logs=errors-only
# what the runtime needs, and nothing else: manifests, compiled code, SQL migrations, the protos (reflection and the
# server's request checks read them), and the files the patches change (applied here by patch-package)
RUN set -eu; mkdir -p /out/patched; \
    for dir in libs/* services/*; do \
      mkdir -p "/out/$dir"; cp "$dir/package.json" "/out/$dir/"; \
      if [ -d "$dir/dist" ]; then cp -r "$dir/dist" "/out/$dir/"; fi; \
      if [ -d "$dir/migrations" ]; then cp -r "$dir/migrations" "/out/$dir/"; fi; \
    done; \
    rm -rf /out/libs/testing; \
    find /out -name '*.test.js' -delete -o -name '*.test.d.ts' -delete; \
    for file in $(sed -n 's|^+++ b/||p' patches/*.patch); do \
      mkdir -p "/out/patched/$(dirname "$file")"; cp "$file" "/out/patched/$file"; \
    done

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    ONCEONLY_GRPC_ADDR=0.0.0.0:50051 \
    ONCEONLY_HEALTH_ADDR=0.0.0.0:8081 \
    ONCEONLY_DATA_DIR=/var/lib/onceonly \
    ONCEONLY_LOG_PRETTY=false
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# the workspaces the hub runs on, not libs/testing, test/bench or test/e2e (npm installs every workspace present)
COPY --from=build /out/libs ./libs
COPY --from=build /out/services ./services
# the hub's production dependencies only; install scripts off (the postinstall's patch-package is a dev tool: the
# patched files are copied from the build stage below)
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /out/patched/ ./
COPY proto ./proto
RUN mkdir -p /var/lib/onceonly && chown node:node /var/lib/onceonly
# the image's files stay root's and read-only to the process
USER node
EXPOSE 50051 8081
# grpc.health.v1 on the plaintext health port (the main port asks for a client certificate under mTLS)
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "services/hub/dist/main.js", "health", "--addr", "127.0.0.1:8081"]
ENTRYPOINT ["node", "services/hub/dist/main.js"]
CMD ["start"]
