#!/usr/bin/env bash
# Installs the test prerequisites (Debian packages), builds, runs every test, and ends with one
# line "N passed, N failed". Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")"
results=artifacts/test-results

scripts/install-test-prerequisites.sh

dotnet build Digest.sln -c Release -nologo -clp:ErrorsOnly

rm -rf "$results"
set +e
# --blame-hang-timeout turns a hung test into a failure with a dump instead of a stuck CI run.
dotnet test Digest.sln -c Release --no-build -nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" \
  --blame-hang-timeout 8m
status=$?
set -e

passed=0
failed=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  count() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  passed=$((passed + $(count passed)))
  failed=$((failed + $(count failed) + $(count error) + $(count timeout) + $(count aborted)))
done

if [ "$failed" -gt 0 ]; then
  # Named again at the end, where a CI log that keeps only its tail still shows them.
  echo "failed tests:"
  cat "$results"/*.trx 2>/dev/null | grep -o '<UnitTestResult [^>]*outcome="\(Failed\|Error\|Timeout\|Aborted\)"[^>]*>' \
    | grep -o ' testName="[^"]*"' | sed 's/^ testName="\(.*\)"$/  \1/' || true
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # The run failed without a failed test to show for it (a crashed test host, a build step): count it.
  echo "dotnet test exited with $status without reporting a failed test" >&2
  failed=1
fi
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
  echo "no tests ran" >&2
  failed=1
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
