#!/usr/bin/env bash
# Installs what the benchmark needs from Debian packages: the peers (aria2c, wget2, axel, curl),
# nginx with the echo module (latency), GNU time (CPU and peak RSS of a process tree) and
# redis-server (parafetch's runs over several worker processes), openssl (W9's certificate).
# Installs only when something is missing and we are root; otherwise says what is missing and
# exits 0, so the harness can report those peers as missing instead of dropping them.
set -u

# binary -> Debian package
declare -A PKG=(
  [aria2c]=aria2
  [wget2]=wget2
  [axel]=axel
  [curl]=curl
  [python3]=python3
  [nginx]=nginx
  [/usr/bin/time]=time
  [redis-server]=redis-server
  [openssl]=openssl
  [/usr/lib/nginx/modules/ngx_http_echo_module.so]=libnginx-mod-http-echo
)

have() {
  case "$1" in
    /*) [ -e "$1" ] ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}

missing=()
for bin in "${!PKG[@]}"; do
  have "$bin" || missing+=("${PKG[$bin]}")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all peers and tools present"
  exit 0
fi

# de-duplicate
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
echo "setup: missing packages: ${missing[*]}"

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: not root, skipping install; run as root: apt-get install -y ${missing[*]}"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: no apt-get on this machine, skipping install"
  exit 0
fi

# Never let a package's post-install start a system nginx on port 80.
made_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  made_policy=1
fi
cleanup() { [ "$made_policy" -eq 1 ] && rm -f /usr/sbin/policy-rc.d; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends "${missing[@]}"; then
  echo "setup: install failed, refreshing package lists and retrying"
  apt-get update -q && apt-get install -y --no-install-recommends "${missing[@]}" ||
    echo "setup: install failed; the harness will report the missing peers"
fi

for bin in "${!PKG[@]}"; do
  have "$bin" || echo "setup: still missing: $bin (${PKG[$bin]})"
done
exit 0
