#!/usr/bin/env bash
# The load benchmark in one command: installs what it needs, builds Warden, runs bench/run.ts.
#   bash bench/run.sh [--quick] [--help] [...]
#   bash bench/run.sh --agent-session [sessions=N] [turns=N]
# Needs root for apt-get (as on the project's machines); everything else stays in the repo.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx-light)
command -v taskset >/dev/null || need+=(util-linux)
if ((${#need[@]})); then
  echo "installing ${need[*]} from Debian"
  # RUNLEVEL=1: Debian's nginx package must not start its own server on port 80.
  RUNLEVEL=1 apt-get install -y --no-install-recommends "${need[@]}" >/dev/null 2>&1 ||
    { apt-get update >/dev/null && RUNLEVEL=1 apt-get install -y --no-install-recommends "${need[@]}" >/dev/null; }
fi

if [ ! -f "$here/node_modules/@portkey-ai/gateway/package.json" ]; then
  echo "installing the Portkey gateway into bench/node_modules"
  (cd "$here" && npm ci --no-audit --no-fund --ignore-scripts >/dev/null)
fi
if [ ! -d "$repo/node_modules/tsx" ]; then
  (cd "$repo" && npm ci --no-audit --no-fund >/dev/null)
fi

echo "building Warden"
# tsc still writes dist/ when it reports type errors; go on, but say so loudly.
(cd "$repo" && npm run build --silent) || echo "WARNING: npm run build reported errors; benchmarking what dist/ holds" >&2

cd "$repo"
# `--agent-session [sessions=N] [turns=N]`: the 50-turn agent session (bench/agent-session.ts) instead of the load run.
if [ "${1:-}" = "--agent-session" ]; then
  shift
  exec node --import tsx bench/agent-session.ts "$@"
fi
exec taskset -c 0 node --import tsx bench/run.ts "$@"
