#!/usr/bin/env bash
# Installs Debian's headless-capable Chromium for the browser-demo tests (tests/field), once.
# The tests drive the system browser over the DevTools protocol: no browser is downloaded.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-browser: run as root (apt-get install chromium)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q chromium fonts-dejavu-core >/dev/null
chromium --version
