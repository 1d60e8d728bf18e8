#!/usr/bin/env bash
# Golden files: each folder tests/golden/<set>/ holds generate.py (an independent Python computation), the files it
# writes, and generate.sha256: the SHA-256 (sha256sum format) of every file of the folder, i.e. the generator, what it
# reads and what it writes; test-time peer scripts (check_*.py) and __pycache__ are left out. `make test` runs this first:
#   - every hash matches (a clone): the committed goldens are used as they are; no Python is needed;
#   - a file changed, appeared or went missing (an edited generator or input, a golden edited by hand): the folder is
#     regenerated with /usr/bin/python3 (Debian python3-numpy, -torch, -onnx, -opencv, -skimage) and its generate.sha256
#     rewritten: commit both. Without those modules it stops, naming the changed files and what to install.
# usage: generate.sh [--check | --force] [SET...]   (--check: report only, exit 1 when stale; --force: regenerate anyway)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-/usr/bin/python3}
mode=auto
case "${1:-}" in --check) mode=check; shift ;; --force) mode=force; shift ;; esac

# The files a stamp covers, relative to the set's folder, in byte order.
covered() { (cd "$1" && find . -type f ! -name generate.sha256 ! -name 'check_*.py' ! -path '*/__pycache__/*' -printf '%P\n' | LC_ALL=C sort); }

# Prints what differs from the stamp (nothing when current).
changes() {
  local dir=$1 stamp=$1/generate.sha256
  if [ ! -f "$stamp" ]; then echo "  generate.sha256 is missing"; return; fi
  (cd "$dir" && sha256sum --check --strict generate.sha256 2>/dev/null | grep -v ': OK$' | sed 's/^/  /') || true
  comm -13 <(sed 's/^[0-9a-f]\{64\}  //' "$stamp" | LC_ALL=C sort) <(covered "$dir") | sed 's/^/  new file: /'
}

write_stamp() {
  local tmp; tmp=$(mktemp)
  (cd "$1" && covered . | tr '\n' '\0' | xargs -0 sha256sum) > "$tmp" && mv "$tmp" "$1/generate.sha256" && chmod 644 "$1/generate.sha256"
}

if [ $# -gt 0 ]; then sets=("$@"); else sets=(); for g in "$here"/*/generate.py; do sets+=("$(basename "$(dirname "$g")")"); done; fi
status=0
for set in "${sets[@]}"; do
  dir=$here/$set
  [ -f "$dir/generate.py" ] || { echo "golden: no generator tests/golden/$set/generate.py" >&2; exit 2; }
  diff=$(changes "$dir")
  if [ -z "$diff" ] && [ $mode != force ]; then continue; fi
  if [ -n "$diff" ]; then echo "golden: tests/golden/$set differs from its generate.sha256:"; echo "$diff"; fi
  if [ $mode = check ]; then status=1; continue; fi
  echo "golden: regenerating tests/golden/$set with $python"
  if ! "$python" "$dir/generate.py"; then
    cat >&2 <<EOF
golden: tests/golden/$set is stale and could not be regenerated (see above).
  Its goldens come from tests/golden/$set/generate.py; install the Python peers and rerun:
    apt-get install python3 python3-numpy python3-torch python3-onnx python3-opencv python3-skimage
    bash tests/golden/generate.sh $set
  then commit the folder with its generate.sha256. To use the committed goldens instead: git checkout -- tests/golden/$set
EOF
    exit 1
  fi
  write_stamp "$dir"
  echo "golden: tests/golden/$set regenerated; commit it with its generate.sha256"
done
[ $status -eq 0 ] || echo "golden: stale sets above; run bash tests/golden/generate.sh to regenerate them" >&2
exit $status
