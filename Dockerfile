# syntax=docker/dockerfile:1
# One image for every bot process; the command picks the part:
#   node dist/workers/main.js     all three in one process (the default)
#   node dist/workers/gateway.js | fast.js | slow.js
# docker-compose.yml runs one part per service. Node matches CI's (20.20.2).
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# --- build: every dependency, TypeScript -> dist/ ----------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workers ./workers
COPY scripts ./scripts
RUN npm run build

# --- runtime: production dependencies and the compiled output only -----------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# the panel's pages (plain HTML/JS/CSS, served as they are)
COPY --from=build /app/src/panel/public ./src/panel/public
# botctl (bin/botctl.js loads dist/src/cli/botctl.js here) and the character files
COPY bin ./bin
COPY characters ./characters
USER node
# Which heartbeats the HEALTHCHECK looks for: all (= gateway fast slow, as main.js runs them),
# or one role when the command runs one part (compose passes the role to the check itself).
ENV BOT_ROLE=all
# Healthy = this container's process refreshed its heartbeat in Redis within the last 15 s,
# which it does only while its Redis connection and its worker are alive.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD ["node", "dist/workers/healthcheck.js"]
CMD ["node", "dist/workers/main.js"]
