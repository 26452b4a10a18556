# Multi-stage build: the web client in the Node image, the server in the Rust image
# (embedding the web client), run on Debian slim with ffmpeg, as a non-root user. Used by
# deploy/docker-compose.yml.
FROM node:20-bookworm-slim AS web
WORKDIR /src
# The web client's types come from the committed TypeScript client.
COPY clients/typescript/src ./clients/typescript/src
COPY web/package.json web/package-lock.json ./web/
RUN cd web && npm ci --no-audit --no-fund
COPY web ./web
RUN cd web && npm run build

# The builder's Rust is Cargo.toml's rust-version, the oldest the locked dependencies
# build with (notify-types needs 1.91); .ci/check-deploy.sh fails when it falls behind.
FROM rust:1.91-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY src ./src
COPY migrations ./migrations
COPY config ./config
COPY bench ./bench
COPY tests ./tests
# The workspace's generated client (its build reads the committed OpenAPI document).
COPY clients/rust ./clients/rust
COPY openapi ./openapi
# build.rs embeds this folder instead of running npm.
COPY --from=web /src/web/dist ./web-dist
ENV HOMESTREAM_WEB_DIST=/src/web-dist
RUN cargo build --release --locked --bin homestream

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/homestream --create-home homestream
COPY --from=build /src/target/release/homestream /usr/local/bin/homestream
COPY config/default.toml /etc/homestream/default.toml
ENV HOMESTREAM_CONFIG_DIR=/etc/homestream \
    HOMESTREAM_DATA_DIR=/var/lib/homestream \
    HOMESTREAM_SERVER__HOST=0.0.0.0 \
    HOMESTREAM_SERVER__PORT=3000
USER homestream
WORKDIR /var/lib/homestream
VOLUME ["/var/lib/homestream"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD curl -fsS http://127.0.0.1:3000/health || exit 1
ENTRYPOINT ["/usr/local/bin/homestream"]
CMD ["serve"]
