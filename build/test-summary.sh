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
# Each skipped test with its stated reason (e.g. an optional peer that is not installed here).
for f in "$dir"/*.trx; do
  [ -f "$f" ] || continue
  awk '/<UnitTestResult / { name = ""; if ($0 ~ /outcome="NotExecuted"/ && match($0, /testName="[^"]*"/)) name = substr($0, RSTART + 10, RLENGTH - 11) }
       name != "" && /<Message>/ { m = $0; sub(/.*<Message>/, "", m); sub(/<\/Message>.*/, "", m); print "skipped: " name ": " m; name = "" }' "$f"
done | sed -e "s/&apos;/'/g" -e 's/&quot;/"/g' -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&amp;/\&/g'
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$total" -gt 0 ] && [ "$failed" -eq 0 ]
