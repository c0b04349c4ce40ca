# syntax=docker/dockerfile:1
# One image for both KMEs: the master KME by default, the slave KME with
# `command: ["node", "dist/apps/slave/main.js"]`. Certificates are mounted at /app/certs, never baked in.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci
COPY . .
RUN npm run build

# Production dependencies only, installed apart so the runtime stage gets no build tools or npm cache.
FROM node:20-bookworm-slim AS production-deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev && npm cache clean --force

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=production-deps /app/node_modules ./node_modules
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/dist ./dist
USER node
EXPOSE 8000 9000
CMD ["node", "dist/apps/master/main.js"]
