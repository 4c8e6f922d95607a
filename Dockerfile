# The API and worker image (docker-compose.yml runs it twice: ROLE=api and ROLE=worker).
# CI has no Docker engine: `npm run rehearse:image` replays this file's stages in temporary folders and
# starts the result against FerretDB with production configuration (scripts/image-rehearsal.ts).

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm run build:tools

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# A cache of its own, removed in the same layer (and never the npm cache of the machine that rehearses).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --cache .npm-cache && rm -rf .npm-cache
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["node", "dist/main.js"]
