# docker-stats-exporter as a tiny image: one fully static (musl) binary on an empty base.
#
# Build (compiles in the official Rust image):
#   docker build -t docker-stats-exporter .
# Build from a binary compiled on the host (no Rust image needed; what CI does, since it
# cannot pull images; BuildKit, the default builder since Docker 23, skips the unused stage):
#   cargo build --release --locked --target x86_64-unknown-linux-musl   (Debian: musl-tools)
#   docker build --build-arg BINARY=prebuilt -t docker-stats-exporter .
# Run (the image runs as nobody: give it the socket's group):
#   docker run -d --name docker-stats-exporter -p 8003:8003 \
#     -v /var/run/docker.sock:/var/run/docker.sock:ro \
#     --group-add "$(stat -c %g /var/run/docker.sock)" \
#     --read-only --cap-drop ALL --security-opt no-new-privileges \
#     docker-stats-exporter

# Where the binary comes from: "compiled" (below) or "prebuilt" (target/ in the context).
ARG BINARY=compiled

FROM rust:1-bookworm AS compiled
# ring (TLS toward the engine) compiles C for the musl target with musl-gcc.
RUN apt-get update && apt-get install -y --no-install-recommends musl-tools \
    && rm -rf /var/lib/apt/lists/* \
    && rustup target add x86_64-unknown-linux-musl
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY src ./src
COPY benches ./benches
# The test helpers' crate is a member of the workspace: cargo reads its manifest to build.
COPY tests/support ./tests/support
RUN cargo build --release --locked --target x86_64-unknown-linux-musl \
    && install -D target/x86_64-unknown-linux-musl/release/docker-stats-exporter \
        /out/docker-stats-exporter

FROM scratch AS prebuilt
COPY target/x86_64-unknown-linux-musl/release/docker-stats-exporter /out/docker-stats-exporter

FROM ${BINARY} AS binary

FROM scratch AS runtime
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="docker-stats-exporter" \
      org.opencontainers.image.description="Prometheus exporter for Docker container metrics, collected on demand from the Docker Engine API" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=binary /out/docker-stats-exporter /docker-stats-exporter
# nobody:nogroup. The socket's group comes from --group-add / group_add (Compose) or
# user: "65534:<gid>" (Swarm stacks).
USER 65534:65534
EXPOSE 8003
# The probe asks the exporter's own /health with the container's settings: with
# WEB_CONFIG_FILE it speaks TLS to its own process and needs neither a client certificate
# nor a password (README, Security).
HEALTHCHECK --interval=15s --timeout=5s --start-period=5s --retries=3 \
    CMD ["/docker-stats-exporter", "--health-check"]
ENTRYPOINT ["/docker-stats-exporter"]
