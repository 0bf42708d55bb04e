# The operator image: 'make docker-build IMG=registry.example.eu/rathaus:dev'.
# A static Go binary on a distroless base: no shell, no package manager, runs as uid 65532 and
# needs nothing writable (the chart mounts an emptyDir at /tmp and a read-only root filesystem).

# Build on the platform of the builder, for the platform of the image (docker buildx --platform).
FROM --platform=$BUILDPLATFORM golang:1.26 AS build
ARG TARGETOS
ARG TARGETARCH
WORKDIR /src
# Modules first: this layer stays cached while only the source changes.
COPY go.mod go.sum ./
RUN go mod download
COPY api/ api/
COPY cmd/ cmd/
# The StackRelease catalog: the binary embeds it (config/releases/releases.go).
COPY config/releases/ config/releases/
COPY controllers/ controllers/
COPY internal/ internal/
RUN CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} \
	go build -trimpath -ldflags="-s -w" -o /out/manager ./cmd

FROM gcr.io/distroless/static-debian12:nonroot
LABEL org.opencontainers.image.source="https://github.com/rathaus-io/rathaus" \
	org.opencontainers.image.description="The rathaus operator" \
	org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /out/manager /manager
USER 65532:65532
ENTRYPOINT ["/manager"]
