#!/usr/bin/env bash
# The study in miniature on generated data. Stages are added here as they land (see pipelines/README.md).
set -euo pipefail
fairkd=${1:?path to the fairkd binary}
out=${DEMO_OUT:-runs/demo}
mkdir -p "$out"
"$fairkd" info
