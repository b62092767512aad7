#!/usr/bin/env bash
# Starts the MinIO that build.sh built, in the foreground (exec, so the caller's PID is MinIO's).
#
#   minio/start.sh --port 9000 --data DIR --user KEY --password SECRET [--webhook URL --webhook-token T]
#
# The credentials and the webhook token may (and from intake, do) come from the environment
# instead, as INTAKE_MINIO_USER, INTAKE_MINIO_PASSWORD and INTAKE_MINIO_WEBHOOK_TOKEN: any local
# user can read a process's argv from ps or /proc.
#
# The webhook flags configure the notification target `arn:minio:sqs::intake:webhook`, which
# intake's bucket setup subscribes the bucket's object-created events to (see README).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
port=9000 data="" webhook=""
user="${INTAKE_MINIO_USER:-}" password="${INTAKE_MINIO_PASSWORD:-}" token="${INTAKE_MINIO_WEBHOOK_TOKEN:-}"
unset INTAKE_MINIO_USER INTAKE_MINIO_PASSWORD INTAKE_MINIO_WEBHOOK_TOKEN
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    --data) data="$2"; shift 2 ;;
    --user) user="$2"; shift 2 ;;
    --password) password="$2"; shift 2 ;;
    --webhook) webhook="$2"; shift 2 ;;
    --webhook-token) token="$2"; shift 2 ;;
    *) echo "minio/start.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$data" ] && [ -n "$user" ] && [ -n "$password" ] || {
  echo "usage: minio/start.sh --port N --data DIR --user KEY --password SECRET [--webhook URL --webhook-token T]" >&2; exit 2; }
bin="$(bash "$here/build.sh" --check)"
mkdir -p "$data"
export MINIO_ROOT_USER="$user" MINIO_ROOT_PASSWORD="$password" MINIO_BROWSER=off MINIO_UPDATE=off
# MinIO keeps CORS and stale multipart cleanup server-wide rather than per bucket: browsers may
# PUT from any origin (the presigned signature is the authorisation), and multipart uploads
# abandoned for a day are removed (intake's reconciler aborts them sooner).
export MINIO_API_CORS_ALLOW_ORIGIN="${MINIO_API_CORS_ALLOW_ORIGIN:-*}"
export MINIO_API_STALE_UPLOADS_EXPIRY="${MINIO_API_STALE_UPLOADS_EXPIRY:-24h}"
if [ -n "$webhook" ]; then
  export MINIO_NOTIFY_WEBHOOK_ENABLE_INTAKE=on MINIO_NOTIFY_WEBHOOK_ENDPOINT_INTAKE="$webhook"
  [ -n "$token" ] && export MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_INTAKE="$token"
  # Queue deliveries on disk while intake is down, instead of dropping them.
  export MINIO_NOTIFY_WEBHOOK_QUEUE_DIR_INTAKE="$data/.notify-queue"
  mkdir -p "$data/.notify-queue"
fi
exec "$bin" server "$data" --address "127.0.0.1:$port" --quiet
