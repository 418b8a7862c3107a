#!/usr/bin/env bash
# Load on the public pages and /metrics with wrk: starts Digest on its embedded defaults in a
# throwaway data folder on a free loopback port, waits until /readyz answers, runs wrk against
# / and /metrics (200 connections, 2 threads, --latency), then stops the service.
#   scripts/bench-http.sh [duration, default 20s] [connections, default 200]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-20s}
connections=${2:-200}

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
dotnet build src/Digest/Digest.csproj -c Release -nologo -clp:ErrorsOnly -v quiet

port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
data=$(mktemp -d /tmp/digest-bench-http.XXXXXX)
# As root the embedded PostgreSQL runs as 'postgres', which must reach the folder.
[ "$(id -u)" = 0 ] && chmod 755 "$data"
Digest__DataDir="$data" Papers__Offline=true Logging__LogLevel__Default=Warning \
  src/Digest/bin/Release/net10.0/Digest --urls "http://127.0.0.1:$port" >"$data/service.log" 2>&1 &
service=$!
trap 'kill -TERM "$service" 2>/dev/null; wait "$service" 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 600); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz" || true)" = 200 ] && break
  kill -0 "$service" 2>/dev/null || { cat "$data/service.log" >&2; exit 1; }
  sleep 0.2
done

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the run"
for path in / /metrics; do
  # Warm-up: JIT, pools, the metrics' database snapshot.
  wrk -t2 -c"$connections" -d3s "http://127.0.0.1:$port$path" >/dev/null
  echo "== GET $path"
  wrk -t2 -c"$connections" -d"$duration" --latency "http://127.0.0.1:$port$path"
done
