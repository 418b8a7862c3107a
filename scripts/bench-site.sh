#!/usr/bin/env bash
# The public pages under load: starts the service on its embedded PostgreSQL in a temporary folder
# with the demo papers, then runs wrk (200 connections, 2 threads, 30 s each, as design.md's budget
# says) against the home page and one paper's page, and prints wrk's reports.
# Arguments: --connections N, --duration 30s. Needs wrk (apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
connections=200
duration=30s
while [ $# -gt 0 ]; do
  case "$1" in
    --connections) connections=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    *) echo "usage: scripts/bench-site.sh [--connections N] [--duration 30s]" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
dotnet build src/Digest -c Release -nologo -clp:ErrorsOnly -v quiet

data=$(mktemp -d /tmp/digest-bench-site.XXXXXX)
# As root PostgreSQL runs as the postgres user, which must be able to reach the data folder.
chmod 755 "$data"
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
Digest__DataDir="$data/data" Papers__Offline=true Papers__Demo=Always Logging__LogLevel__Default=Warning \
  src/Digest/bin/Release/net10.0/Digest --urls "$base" >"$data/service.log" 2>&1 &
service=$!
trap 'kill "$service" 2>/dev/null || true; wait "$service" 2>/dev/null || true; rm -rf "$data"' EXIT

# Up, migrated, and the demo papers in: the home page lists papers.
for _ in $(seq 600); do
  curl -fs "$base/" 2>/dev/null | grep -q 'class="paper"' && break
  sleep 0.1
done
paper=$(curl -fs "$base/" | grep -o 'href="/papers/local-[0-9a-f]*"' | head -n 1 | cut -d'"' -f2)
[ -n "$paper" ] || { echo "the service did not come up with papers; its log:" >&2; cat "$data/service.log" >&2; exit 1; }

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the run"
for path in / "$paper"; do
  echo
  echo "== GET $path ($connections connections, $duration)"
  # Warm up (JIT, connection pool, PostgreSQL's caches), then measure.
  wrk -t2 -c"$connections" -d5s "$base$path" >/dev/null
  wrk -t2 -c"$connections" -d"$duration" --latency "$base$path"
done
