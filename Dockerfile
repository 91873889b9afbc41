# The exporter as a tiny image: a fully static (musl) binary on an empty base.
#
#   docker build -t docker-stats-exporter .
#   docker run -d -p 8003:8003 -v /var/run/docker.sock:/var/run/docker.sock:ro \
#       --group-add "$(stat -c %g /var/run/docker.sock)" docker-stats-exporter

FROM rust:1-bookworm AS builder
RUN rustup target add x86_64-unknown-linux-musl
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY benches ./benches
RUN cargo build --release --locked --target x86_64-unknown-linux-musl \
    && cp target/x86_64-unknown-linux-musl/release/docker-stats-exporter /docker-stats-exporter

FROM scratch AS runtime
COPY --from=builder /docker-stats-exporter /docker-stats-exporter
# nobody:nogroup; reading the socket needs its group: --group-add / group_add.
USER 65534:65534
EXPOSE 8003
ENTRYPOINT ["/docker-stats-exporter"]
