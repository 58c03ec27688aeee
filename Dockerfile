# syntax=docker/dockerfile:1
# The service image: a build stage compiles to dist/ (npm run build), the
# final stage holds only production dependencies and dist/, runs as the
# unprivileged `node` user, and needs MONGODB_URI and API_KEY_PEPPER at run
# time (it refuses to start without them). See docs/deployment.md.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.sh ./scripts/build.sh
COPY src ./src
# src/cli (the admin CLI) is built over the SDK's source.
COPY sdk/src ./sdk/src
COPY gen ./gen
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    # Argon2 runs on the libuv pool: keep the pool above ARGON2_MAX_CONCURRENT.
    UV_THREADPOOL_SIZE=8
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json /app/package-lock.json ./
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 8080}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--enable-source-maps", "dist/src/main.js"]
