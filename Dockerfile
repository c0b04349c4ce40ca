# One image for both KMEs: the master KME by default, the slave KME with
# `command: ["node", "dist/apps/slave/main.js"]`, and the dev PKI generator
# (`node dist/scripts/make-certs.js`, compose's certs service). Certificates are mounted at
# /app/certs, never baked in. Nothing is fetched but the base images and the npm registry.

# The build stages use the full node:24-bookworm image rather than apt-get on the slim one: it
# already has python3, make and g++ for node-gyp (better-sqlite3 is a native addon), so no Debian
# mirror is needed. The runtime copies node_modules built there into node:24-bookworm-slim: same
# Debian release (glibc) and same Node major (ABI), so the addon loads unchanged.
# Native addons are compiled here, against the image's own Node headers (/usr/local/include/node),
# instead of prebuilt binaries or headers downloaded from GitHub or nodejs.org; Scarf's install-time
# analytics (a dependency of swagger-ui-dist) are off.
FROM node:24-bookworm AS build
ENV npm_config_build_from_source=true npm_config_nodedir=/usr/local SCARF_ANALYTICS=false
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci
COPY . .
RUN npm run build

# Production dependencies only, installed apart so the runtime stage gets no build tools or npm cache.
FROM node:24-bookworm AS production-deps
ENV npm_config_build_from_source=true npm_config_nodedir=/usr/local SCARF_ANALYTICS=false
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev && npm cache clean --force

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production LOG_FORMAT=json DATA_DIR=/data
# glibc's mmap threshold fixed at 128 KiB, as npm start sets it (scripts/lib/kme-runtime-env.ts):
# large buffers the relay frees are given back to the system instead of staying resident.
ENV MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
COPY --from=production-deps /app/node_modules ./node_modules
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/dist ./dist
# Owned by node before VOLUME: a new named volume starts as a copy of it, owner included, so the KME
# can write its key store there (changes after VOLUME would be discarded).
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 8000 9000
CMD ["node", "dist/apps/master/main.js"]
