# docker-stats-exporter as a tiny image: one fully static (musl) binary on an empty base.
#
# Build (compiles in the official Rust image; BuildKit, the default builder since Docker 23):
#   docker build --build-arg REVISION=$(git rev-parse HEAD) -t docker-stats-exporter .
# Every platform at once, where buildx is installed:
#   docker buildx build --platform linux/amd64,linux/arm64,linux/arm/v7 .
# Build from binaries compiled on the host (no Rust image needed; what CI does, since it
# cannot pull images; BuildKit skips the unused stages):
#   scripts/dist.sh
#   docker build --build-arg BINARY=prebuilt [--platform linux/arm64] -t docker-stats-exporter .
# scripts/dist.sh also writes the multi-platform image as an OCI archive, for
# `skopeo copy` into an engine or a registry (README, Install).
# Run (the image runs as nobody: give it the socket's group):
#   docker run -d --name docker-stats-exporter -p 8003:8003 \
#     -v /var/run/docker.sock:/var/run/docker.sock:ro \
#     --group-add "$(stat -c %g /var/run/docker.sock)" \
#     --read-only --cap-drop ALL --security-opt no-new-privileges \
#     docker-stats-exporter

# Where the binary comes from: "compiled" (below) or "prebuilt" (target/ in the context).
ARG BINARY=compiled

# Cross-compiles on the builder's own platform for the one asked for, so a multi-platform
# build runs no compiler under emulation. ring (TLS toward the engine) compiles C: the
# target's Debian cross gcc does it, rust-lld links against the target's own musl.
FROM --platform=$BUILDPLATFORM rust:1-bookworm AS compiled
ARG TARGETARCH
ARG TARGETVARIANT
ARG REVISION=unknown
RUN case "$TARGETARCH$TARGETVARIANT" in \
        amd64*) echo "x86_64-unknown-linux-musl x86_64-linux-gnu" ;; \
        arm64*) echo "aarch64-unknown-linux-musl aarch64-linux-gnu" ;; \
        arm|armv7) echo "armv7-unknown-linux-musleabihf arm-linux-gnueabihf" ;; \
        *) echo "no build for linux/$TARGETARCH/$TARGETVARIANT" >&2; exit 1 ;; \
    esac > /target \
    && read -r target gnu < /target \
    && if ! command -v "$gnu-gcc" >/dev/null; then \
        apt-get update && apt-get install -y --no-install-recommends "gcc-$(echo "$gnu" | tr _ -)" \
        && rm -rf /var/lib/apt/lists/*; fi \
    && rustup target add "$target"
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY src ./src
COPY benches ./benches
# The workspace's other members: cargo reads their manifests to build.
COPY tests/support ./tests/support
COPY tools ./tools
RUN read -r target gnu < /target \
    && upper=$(echo "$target" | tr a-z- A-Z_) \
    && env "CC_$(echo "$target" | tr - _)=$gnu-gcc" "CARGO_TARGET_${upper}_LINKER=rust-lld" \
        DSE_REVISION="$REVISION" \
        cargo build --release --locked --target "$target" --bin docker-stats-exporter \
    && install -D "target/$target/release/docker-stats-exporter" /out/docker-stats-exporter

# The binary scripts/dist.sh built on the host for the platform being built: it puts each
# Linux target's binary under target/platforms/linux/<TARGETARCH>/ (arm is the armv7 one).
# TARGETARCH is read inside the stage: the engine's builder in Docker 20.10 leaves it empty
# in FROM lines.
FROM scratch AS prebuilt
ARG TARGETARCH
COPY target/platforms/linux/${TARGETARCH}/docker-stats-exporter /out/docker-stats-exporter

FROM ${BINARY} AS binary

FROM scratch AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=
# The same labels, user, port, health check and entrypoint as the OCI image that
# scripts/dist.sh writes (tools/dist/oci.rs); tests/deployment.rs compares the two.
LABEL org.opencontainers.image.title="docker-stats-exporter" \
      org.opencontainers.image.description="Prometheus exporter for Docker container metrics, collected on demand from the Docker Engine API" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}" \
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
