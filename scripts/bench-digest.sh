#!/usr/bin/env bash
# The whole daily run: starts Postfix smtp-sink on a loopback port, generates synthetic subscribers
# and 300 new papers in a private PostgreSQL cluster, plans, renders and delivers every digest to
# the sink, then sends as many messages of the same size with Postfix smtp-source as the reference.
# Arguments go to the benchmark: --subscribers 100000 --papers 300 --workers 4 --connections 16
set -euo pipefail
cd "$(dirname "$0")/.."

[ -x /usr/sbin/smtp-sink ] || { echo "smtp-sink is missing: apt-get install postfix (or run ./test.sh once)" >&2; exit 1; }
dotnet build tests/Benchmarks -c Release -nologo -clp:ErrorsOnly -v quiet

port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sink_args=()
# As root smtp-sink must drop its privileges.
[ "$(id -u)" = 0 ] && sink_args+=(-u nobody)
/usr/sbin/smtp-sink "${sink_args[@]}" "127.0.0.1:$port" 1024 &
sink=$!
trap 'kill "$sink" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.05
done

# Server GC, as the service itself runs (the Web SDK's default); the Mailer benchmark keeps the workstation GC.
DOTNET_gcServer=1 dotnet tests/Benchmarks/bin/Release/net10.0/Digest.Benchmarks.dll digest --port "$port" "$@"
