#!/usr/bin/env bash
# The study in miniature on generated data. Stages run here as they land: today demo data and ingest
# (decode + align of the real, synthetic and unaligned+landmarks sets). See README "Status".
set -euo pipefail
fairkd=${1:?path to the fairkd binary}
out=${DEMO_OUT:-runs/demo}
mkdir -p "$out"
"$fairkd" info
"$fairkd" demo-data --out "$out/data" --scale "${DEMO_SCALE:-small}" --seed "${DEMO_SEED:-1}"
"$fairkd" ingest \
  --dataset "real=$out/data/real:group/identity/image" \
  --dataset "synthetic-a=$out/data/synthetic-a" \
  --dataset "synthetic-b=$out/data/synthetic-b" \
  --dataset "unaligned=$out/data/unaligned:group/identity/image" \
  --landmarks "unaligned=$out/data/unaligned/landmarks.txt" \
  --out "$out/ingest"
echo "demo: ingest summary in $out/ingest/summary.txt"
