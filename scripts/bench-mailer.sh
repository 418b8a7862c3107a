#!/usr/bin/env bash
# The Mailer benchmark: starts Postfix smtp-sink on a loopback port, then in one run sends ~20 KB
# messages to it with Postfix smtp-source, with our Mailer and with System.Net.Mail, and prints
# msg/s, the ratios, and the Mailer's allocations and CPU time per message.
# Arguments go to the benchmark: --messages 20000 --size 20000 --connections 16 --netmail-messages 2000 --dkim
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

dotnet tests/Benchmarks/bin/Release/net10.0/Digest.Benchmarks.dll mailer --port "$port" "$@"
