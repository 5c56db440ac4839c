# groupshare tracker (and client) image. Build:  docker build -t groupshare .
# The layout under /app is the repository's, so the container runs the same command lines as a
# host does (`./tracker ...`, `./client ...`); docs/operations.md has the compose set-up.

# --- build: install from the lockfile, generate Prisma's client, compile, keep production deps ---
FROM node:20-bookworm-slim AS build
# better-sqlite3 compiles with node-gyp when no prebuilt binary matches the platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json tsconfig.json ./
COPY packages ./packages
# CI=true: pnpm insists on the committed lockfile.
ENV CI=true
RUN npx -y pnpm@10.34.8 install --frozen-lockfile
# Prisma's generator runs as WASM here: nothing is downloaded (docs/development.md).
RUN npx -y pnpm@10.34.8 run generate && npx -y pnpm@10.34.8 run build
# Each runnable package with its production dependencies only, workspace packages copied in.
RUN npx -y pnpm@10.34.8 --filter @groupshare/tracker deploy --prod --legacy /app/packages/tracker \
 && npx -y pnpm@10.34.8 --filter @groupshare/client deploy --prod --legacy /app/packages/client
COPY tracker client tracker_info.txt.example /app/

# --- runtime: node and the deployed packages, run as the unprivileged `node` user (uid 1000) ---
FROM node:20-bookworm-slim
ENV NODE_ENV=production
COPY --from=build /app /app
# The data directory is a volume owned by `node`, private (the tracker refuses one others can
# write). A new named volume takes this ownership and mode when first mounted.
RUN mkdir -p /var/lib/groupshare /etc/groupshare \
 && chown node:node /var/lib/groupshare \
 && chmod 0700 /var/lib/groupshare
VOLUME /var/lib/groupshare
WORKDIR /app
USER node
# 7001: the tracker port of the default tracker_info (compose maps each tracker's own).
EXPOSE 7001
ENTRYPOINT ["./tracker"]
CMD ["/etc/groupshare/tracker_info.txt", "1", "--data-dir", "/var/lib/groupshare"]
