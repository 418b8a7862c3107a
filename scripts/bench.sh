#!/usr/bin/env bash
# Runs one benchmark verb of tests/Benchmarks against a Postfix smtp-sink it starts on a free
# loopback port (and stops afterwards): scripts/bench.sh mailer|digest [arguments...].
# bench-mailer.sh and bench-digest.sh are the documented ways in; this is what they share.
set -euo pipefail
cd "$(dirname "$0")/.."
verb=${1:?usage: scripts/bench.sh mailer|digest [arguments...]}
shift

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

dotnet tests/Benchmarks/bin/Release/net10.0/Digest.Benchmarks.dll "$verb" --port "$port" "$@"
