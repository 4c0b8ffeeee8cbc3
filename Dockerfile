# A static userpool binary (pure-Go SQLite, no cgo) on a distroless base.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/userpool ./cmd/userpool \
	&& mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/userpool /userpool
COPY --from=build --chown=nonroot:nonroot /out/data /data
ENV USERPOOL_LISTEN=:8080 USERPOOL_DATA_DIR=/data
EXPOSE 8080
VOLUME /data
ENTRYPOINT ["/userpool"]
CMD ["serve"]
