# syntax=docker/dockerfile:1
# grove-ts images: grove-operator and grove-initc, from one build.
#
#   docker build --target operator -t grove-ts/grove-operator:v0.1.0-dev .
#   docker build --target initc    -t grove-ts/grove-initc:v0.1.0-dev .
#
# The build stage installs everything and builds both apps; each runtime stage holds only its app,
# the workspace packages it imports and their production dependencies, installed by
# scripts/image-install.mjs (the same script CI runs and starts: test/tools/image.test.ts).
# Runtime images run as uid/gid 65532 (numeric, so Kubernetes can check runAsNonRoot) and need no
# writable root filesystem (the Helm chart sets readOnlyRootFilesystem).

ARG NODE_IMAGE=node:20.20.2-bookworm
ARG NODE_RUNTIME_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS build
ENV TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 NO_COLOR=1
WORKDIR /src
# One COPY of the whole context (.dockerignore keeps out everything built or installed): npm ci
# needs every workspace's package.json, and a list of them here would go stale.
COPY . .
# The npm of package.json's packageManager (the lockfile's and npm 11's install-script rules).
RUN npm install --global npm@11.19.1 --no-audit --no-fund \
 && npm ci --no-audit --no-fund
RUN npx turbo run build --filter=@grove-ts/operator... --filter=@grove-ts/initc... --output-logs=errors-only \
 && node scripts/image-install.mjs --app operator --out /out/operator \
 && node scripts/image-install.mjs --app initc --out /out/initc

FROM ${NODE_RUNTIME_IMAGE} AS operator
ENV NODE_ENV=production
WORKDIR /opt/grove-ts
COPY --from=build --chown=0:0 /out/operator/ ./
USER 65532:65532
ENTRYPOINT ["node", "/opt/grove-ts/apps/operator/bin/grove-operator.js"]

FROM ${NODE_RUNTIME_IMAGE} AS initc
ENV NODE_ENV=production
WORKDIR /opt/grove-ts
COPY --from=build --chown=0:0 /out/initc/ ./
USER 65532:65532
ENTRYPOINT ["node", "/opt/grove-ts/apps/initc/bin/grove-initc.js"]
