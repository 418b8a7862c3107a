#!/usr/bin/env bash
# The Debian packages the tests drive as real peers: PostgreSQL, Postfix (smtp-sink, smtp-source),
# Chromium, Debian's Python with aiosmtpd and dkim, swaks, Dovecot (the bounce mailbox's IMAP server). Installs only what is missing.
set -euo pipefail

packages=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || packages+=(postgresql)
[ -x /usr/sbin/smtp-sink ] || packages+=(postfix)
[ -x /usr/bin/chromium ] || packages+=(chromium)
# Without recommends Chromium has no fonts, and screenshots would show empty boxes.
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || packages+=(fonts-dejavu-core)
[ -d /usr/share/fonts/truetype/liberation ] || packages+=(fonts-liberation)
[ -x /usr/bin/swaks ] || packages+=(swaks)
[ -x /usr/sbin/dovecot ] || packages+=(dovecot-imapd)
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || packages+=(python3-aiosmtpd)
/usr/bin/python3 -c 'import dkim' 2>/dev/null || packages+=(python3-dkim)

[ ${#packages[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "install-test-prerequisites: need root (or sudo) to install: ${packages[*]}" >&2
    exit 1
  fi
fi

echo "Installing test prerequisites: ${packages[*]}"
# Postfix asks how to configure itself; the tests only need its smtp-sink/smtp-source programs.
echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
