# directoriesd: a static binary on a distroless base, running as a non-root user.
#
#   docker build -t kazoo-directories/directoriesd:local .
#   docker run --rm -p 8000:8000 -v directoriesd-data:/data kazoo-directories/directoriesd:local
#
# Without COUCHDB_URL the service keeps its data in the embedded store under /data
# (DATA_DIR); mount a volume there. The image has no shell, curl or wget, so it has no
# HEALTHCHECK: probe GET /healthz (live) and GET /readyz (datastore answers) from
# outside, e.g. from the orchestrator or the proxy.

FROM golang:1.26.8 AS build
WORKDIR /src
# Modules first, so that a source change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags="-s -w" \
        -o /out/directoriesd ./cmd/directoriesd \
    && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/directoriesd /usr/local/bin/directoriesd
COPY --from=build --chown=65532:65532 /out/data /data
ENV LISTEN_ADDR=:8000 \
    DATA_DIR=/data
WORKDIR /data
# nonroot of the distroless image, numeric so that runAsNonRoot checks can see it.
USER 65532:65532
EXPOSE 8000
ENTRYPOINT ["/usr/local/bin/directoriesd"]
