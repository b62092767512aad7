#!/usr/bin/env bash
# Builds a pinned MinIO with `go install` into a cache directory outside the repo.
# Reused when already built. Prints the binary's path on stdout.
# `build.sh --check` only prints the path, failing when MinIO is not built yet.
#
# MinIO's RELEASE.* tags are not semver, and the Go module proxy serves them only
# as pseudo-versions, so the pin is the pseudo-version of the last community commit.
set -euo pipefail

MINIO_VERSION="${MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}"
CACHE_ROOT="${INTAKE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/intake}"
BIN_DIR="$CACHE_ROOT/minio/$MINIO_VERSION"
BIN="$BIN_DIR/minio"

if [ -x "$BIN" ]; then
  echo "$BIN"
  exit 0
fi
if [ "${1:-}" = "--check" ]; then
  echo "MinIO is not built; run: bash minio/build.sh (needs Go, takes a few minutes)" >&2
  exit 1
fi

command -v go >/dev/null || { echo "minio/build.sh: Go is required (https://go.dev/dl)" >&2; exit 1; }
mkdir -p "$BIN_DIR"
echo "minio/build.sh: building MinIO $MINIO_VERSION into $BIN_DIR (first time only, a few minutes)" >&2
# Build into a temp dir and move atomically so an interrupted build never leaves a half binary.
tmp="$(mktemp -d "$BIN_DIR/.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
GOBIN="$tmp" CGO_ENABLED=0 GOFLAGS=-buildvcs=false go install "github.com/minio/minio@$MINIO_VERSION" >&2
mv "$tmp/minio" "$BIN"
echo "$BIN"
