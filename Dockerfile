# The Fairframe CLI as a container image: `docker build -t fairframe .`, then
#   docker run --rm -v "$PWD/data:/data:ro" -v "$PWD/reports:/reports" fairframe audit /data --out /reports
# Datasets are mounted read-only; the image runs as the unprivileged user `node` (uid 1000).

# Build: install every dependency, bundle the CLI, then keep only the production packages and the linux-x64 natives.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/build.mjs scripts/build.mjs
COPY schema schema
COPY src src
RUN node scripts/build.mjs --only=cli \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/onnxruntime-node/bin/napi-v*/darwin node_modules/onnxruntime-node/bin/napi-v*/win32 \
           node_modules/onnxruntime-node/bin/napi-v*/linux/arm64 \
 && find node_modules/@img -mindepth 1 -maxdepth 1 ! -name 'sharp-linux-x64' ! -name 'sharp-libvips-linux-x64' ! -name 'colour' -exec rm -rf {} +

# Run: the bundled CLI and its two native packages (sharp, onnxruntime-node) on a slim Node 20.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    XDG_CACHE_HOME=/cache
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/cli.js /src/dist/cli.js.map ./dist/
RUN mkdir -p /cache /reports /partials && chown node:node /cache /reports /partials
USER node
VOLUME ["/cache"]
ENTRYPOINT ["node", "/app/dist/cli.js"]
CMD ["--help"]
