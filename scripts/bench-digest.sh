#!/usr/bin/env bash
# The whole daily run: generates synthetic subscribers and 300 new papers in a private PostgreSQL
# cluster, plans, renders and delivers every digest to a local smtp-sink, then sends as many
# messages of the same size with Postfix smtp-source as the reference.
# Arguments go to the benchmark: --subscribers 100000 --papers 300 --workers 4 --connections 16
# Server GC and no dynamic PGO, as the service itself runs (the Web SDK's default and Digest.csproj's
# TieredPGO); the Mailer benchmark keeps the workstation GC.
export DOTNET_gcServer=1 DOTNET_TieredPGO=0
exec "$(dirname "$0")/bench.sh" digest "$@"
