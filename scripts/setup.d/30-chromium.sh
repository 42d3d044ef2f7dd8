#!/usr/bin/env bash
# Browser for the end-to-end tests (tests/web): Debian's chromium, driven by Playwright for
# Python with executable_path=/usr/bin/chromium (never `playwright install`). Only with
# QUARTIERS_SETUP_TESTS=1 (scripts/setup.sh --tests).
set -euo pipefail
[ "${QUARTIERS_SETUP_TESTS:-0}" = "1" ] || exit 0
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  exit 0
fi
echo "Installation de chromium (paquets Debian) pour les tests de bout en bout"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
