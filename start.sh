#!/usr/bin/env bash
# Starts Digest on its embedded defaults: a private PostgreSQL from this machine's binaries, mail to
# a pickup folder, the demo papers. Prints the URL it listens on; Ctrl-C stops it (and PostgreSQL).
# Anything after the script name goes to the service, e.g. ./start.sh --urls http://0.0.0.0:8080
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "start.sh: the .NET 10 SDK is required (dotnet not found on PATH)." >&2
  exit 1
fi

have_postgres() {
  command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1 && return 0
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}

if [ -z "${ConnectionStrings__Postgres:-}" ] && ! have_postgres; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "start.sh: PostgreSQL's server programs are missing; installing the postgresql package..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  else
    echo "start.sh: PostgreSQL 15+ is required for the embedded database: run 'sudo apt-get install postgresql'," >&2
    echo "          or set ConnectionStrings__Postgres to use an existing server." >&2
    exit 1
  fi
fi

dotnet build src/Digest/Digest.csproj -c Release -nologo -v quiet -clp:ErrorsOnly
exec src/Digest/bin/Release/net10.0/Digest "$@"
