#!/usr/bin/env bash
# The browser tests (test/browser) drive Debian's Chromium through playwright-core. This installs it
# with apt where it is missing (`npm test` runs this first; so does CI), once: nothing is downloaded
# from elsewhere. TRIBUTARY_CHROMIUM names another Chromium binary to use instead.
set -euo pipefail
bin="${TRIBUTARY_CHROMIUM:-/usr/bin/chromium}"
[ -x "$bin" ] && exit 0
if [ -n "${TRIBUTARY_CHROMIUM:-}" ]; then
  echo "tributary: TRIBUTARY_CHROMIUM=$bin is not an executable" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
echo "tributary: installing Debian's chromium for the browser tests (apt-get), once"
export DEBIAN_FRONTEND=noninteractive
# a fresh machine may have no package lists yet: read them only when the install needs them
$sudo apt-get install -y -qq chromium >/dev/null || { $sudo apt-get update -qq && $sudo apt-get install -y -qq chromium >/dev/null; }
[ -x "$bin" ] || { echo "tributary: apt installed chromium, but $bin is not there" >&2; exit 1; }
