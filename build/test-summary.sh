#!/usr/bin/env bash
# Prints one closing line "tests: N passed, N failed, N skipped" from the TRX files of a `dotnet test` run.
set -euo pipefail
dir=${1:?results dir}
passed=0; failed=0; total=0
for f in "$dir"/*.trx; do
  [ -f "$f" ] || continue
  line=$(grep -o '<Counters [^>]*>' "$f" | head -n 1)
  get() { echo "$line" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  total=$((total + $(get total))); passed=$((passed + $(get passed))); failed=$((failed + $(get failed)))
done
skipped=$((total - passed - failed))
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$total" -gt 0 ] && [ "$failed" -eq 0 ]
