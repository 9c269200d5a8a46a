#!/usr/bin/env bash
# Installs the system services and tools the test suite and the benchmarks use: Dovecot (IMAP server
# fixture, started by tests/support/dovecot.py without systemd), isync (mbsync) and maildir-utils
# (mu), the benchmarks' peers, and Chromium (the web page's browser tests). Idempotent: does nothing
# when all are present. Needs root (or sudo) and Debian's apt.
set -euo pipefail

need=()
[ -x /usr/sbin/dovecot ] || command -v dovecot >/dev/null 2>&1 || need+=(dovecot-imapd)
command -v mbsync >/dev/null 2>&1 || need+=(isync)
command -v mu >/dev/null 2>&1 || need+=(maildir-utils)
# openssl makes the fixture's self-signed certificate (TLS and STARTTLS tests).
command -v openssl >/dev/null 2>&1 || need+=(openssl)
# Chromium runs the browser suite (Playwright drives it through its executable_path).
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# The package's postinst would start the system-wide dovecot service: the tests start their own,
# so a temporary policy-rc.d (the Debian way) forbids service starts during the install.
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
