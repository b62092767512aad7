#!/usr/bin/env bash
# Before `npm test`: the system tools the suites drive for real. Browser tests use Debian's
# Chromium, OCR tests use Tesseract (English) and poppler. Installs them with apt when this
# user can; otherwise says in one line what to install. Then builds MinIO (cached).
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v tesseract >/dev/null && tesseract --list-langs 2>/dev/null | grep -qx eng || missing+=(tesseract-ocr tesseract-ocr-eng)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
if ((${#missing[@]} > 0)); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "npm test needs: apt-get install ${missing[*]} (as root)" >&2
    exit 1
  fi
fi
bash minio/build.sh >/dev/null
