#!/usr/bin/env bash
# Fresh-machine check: do `make test` and `make demo` pass on a minimal Debian 12 that has only the README's
# Requirements? Not part of `make test` (it takes about an hour on 2 cores). Non-interactive; everything is logged.
#
#   build/fresh-debian.sh [DIR]        run as root; DIR (default /var/tmp/fairkd-fresh-debian) is deleted and recreated
#
# 1. debootstrap --variant=minbase bookworm DIR, from the Debian mirror the host's apt uses (/etc/apt/sources.list.d/
#    *.sources, /etc/apt/sources.list) or $DEBIAN_MIRROR;
# 2. apt-get install the README's Requirements: ca-certificates libicu72 libssl3 (what the .NET SDK loads) git make;
# 3. the .NET SDK: a copy of the host's (Debian does not package .NET 10) at /usr/share/dotnet, and the host's NuGet
#    configuration (~/.nuget/NuGet/NuGet.Config, /etc/opt/NuGet, NUGET_*/DOTNET_* and proxy variables) so that the same
#    feed is used, with the host's local CA certificates (/usr/local/share/ca-certificates, e.g. a TLS-inspecting
#    proxy's) added to the trust store before step 2; the package cache starts empty;
# 4. as an unprivileged user: git clone (from a bundle of $FAIRKD_REF, default HEAD, of this repository), `make test`,
#    `make demo`.
# The system runs in a private mount namespace whose root is DIR (pivot_root, not chroot, so that the disk-full test can
# create its own namespace as on a real machine); its mounts disappear with it.
# Output: the log DIR.log and a summary DIR.result (commit, phase times, test counts). Exit 0 when both commands pass.
# Environment: DEBIAN_MIRROR, FAIRKD_REF (HEAD, a branch or a tag), DOTNET_HOST_ROOT (default: where `dotnet` resolves), FRESH_SKIP_DEMO=1.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-/var/tmp/fairkd-fresh-debian}
case "$dir" in /?*) ;; *) echo "fresh-debian: DIR must be an absolute path" >&2; exit 2 ;; esac
dir=${dir%/}
log=$dir.log
result=$dir.result
[ "$(id -u)" -eq 0 ] || { echo "fresh-debian: run as root (debootstrap, namespaces)" >&2; exit 2; }
command -v debootstrap >/dev/null || { echo "fresh-debian: apt-get install debootstrap" >&2; exit 2; }
exec > >(tee "$log") 2>&1

# The host apt configuration's mirror for bookworm (deb822 stanzas first, then one-line entries).
host_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk 'BEGIN { RS = ""; FS = "\n" }
         { uris = ""; suites = ""; types = ""; enabled = "yes"
           for (i = 1; i <= NF; i++) {
             if ($i ~ /^URIs:/) { uris = $i; sub(/^URIs:[ \t]*/, "", uris) }
             if ($i ~ /^Suites:/) suites = $i " "
             if ($i ~ /^Types:/) types = $i " "
             if ($i ~ /^Enabled:[ \t]*no/) enabled = "no" }
           if (enabled == "yes" && types ~ /[ \t]deb[ \t]/ && suites ~ /[ \t]bookworm[ \t]/ && uris != "") { split(uris, u, " "); print u[1]; exit } }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } if ($(i + 1) == "bookworm") { print $i; exit } }' "$f"
  done
}
mirror=${DEBIAN_MIRROR:-$(host_mirror | sed -n 1p)}
[ -n "$mirror" ] || { echo "fresh-debian: no bookworm mirror in the host's apt sources; set DEBIAN_MIRROR" >&2; exit 2; }
dotnet_root=${DOTNET_HOST_ROOT:-$(dirname "$(readlink -f "$(command -v dotnet)")")}
[ -x "$dotnet_root/dotnet" ] || { echo "fresh-debian: no .NET SDK at $dotnet_root; set DOTNET_HOST_ROOT" >&2; exit 2; }
ref=${FAIRKD_REF:-HEAD}
commit=$(git -C "$repo" rev-parse --verify "$ref^{commit}")
user=fairkd

t0=$(date +%s)
phase_start=$t0
times=()
phase() { local now; now=$(date +%s); times+=("$1 $((now - phase_start)) s"); echo "== $1: $((now - phase_start)) s"; phase_start=$now; }

echo "== fresh-debian: commit $commit ($(git -C "$repo" log -1 --format=%s "$commit" | cut -c1-100))"
echo "== host: $(. /etc/os-release; echo "$PRETTY_NAME"), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); mirror $mirror; SDK $("$dotnet_root/dotnet" --version) from $dotnet_root"
rm -rf --one-file-system "$dir"
mkdir -p "$dir"
debootstrap --variant=minbase bookworm "$dir" "$mirror"
phase debootstrap

# The SDK, the NuGet configuration, DNS, and the repository as a bundle to clone from.
cp -a "$dotnet_root" "$dir/usr/share/dotnet"
ln -sf /usr/share/dotnet/dotnet "$dir/usr/bin/dotnet"
cp /etc/resolv.conf "$dir/etc/resolv.conf"
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  mkdir -p "$dir/usr/local/share/ca-certificates" && cp /usr/local/share/ca-certificates/*.crt "$dir/usr/local/share/ca-certificates/"
  echo "== host CA certificates added: $(cd /usr/local/share/ca-certificates && echo *.crt)"
fi
home=${SUDO_USER:+$(getent passwd "$SUDO_USER" | cut -d: -f6)}
home=${home:-$HOME}
mkdir -p "$dir/tmp/fresh/nuget"
if [ -f "$home/.nuget/NuGet/NuGet.Config" ]; then cp "$home/.nuget/NuGet/NuGet.Config" "$dir/tmp/fresh/nuget/NuGet.Config"; fi
if [ -d /etc/opt/NuGet ]; then mkdir -p "$dir/etc/opt" && cp -a /etc/opt/NuGet "$dir/etc/opt/NuGet"; fi
env | grep -E '^(NUGET_[A-Z_]*|DOTNET_[A-Z_]*|https?_proxy|HTTPS?_PROXY|no_proxy|NO_PROXY)=' > "$dir/tmp/fresh/env" || true
echo "== passed to the user's environment: $(cut -d= -f1 "$dir/tmp/fresh/env" | tr '\n' ' ')"
# a bundle needs a ref, not a bare commit: bundle the commit under a temporary branch name (FAIRKD_REF may be a hash)
git -C "$repo" update-ref refs/heads/fresh-debian-check "$commit"
git -C "$repo" bundle create -q "$dir/tmp/fresh/fairkd.bundle" refs/heads/fresh-debian-check
git -C "$repo" update-ref -d refs/heads/fresh-debian-check
phase "SDK, NuGet config and bundle copied"

# What runs inside: the Requirements as root, then the README's commands as an unprivileged user.
cat > "$dir/tmp/fresh/inside.sh" <<EOF
#!/bin/bash
set -u
export DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8
mark() { echo "##fresh \$1 \$2 \$3"; }
s=\$(date +%s)
apt-get update -qq && apt-get install -y -qq --no-install-recommends ca-certificates libicu72 libssl3 git make >/dev/null
rc=\$?; mark requirements \$((\$(date +%s) - s)) \$rc; [ \$rc -eq 0 ] || exit 1
useradd -m -s /bin/bash $user
install -d -o $user -g $user /home/$user/.nuget /home/$user/.nuget/NuGet
[ -f /tmp/fresh/nuget/NuGet.Config ] && install -o $user -g $user -m 644 /tmp/fresh/nuget/NuGet.Config /home/$user/.nuget/NuGet/NuGet.Config
chmod 755 /tmp/fresh; chmod 644 /tmp/fresh/fairkd.bundle
echo "== packages in the system: \$(dpkg-query -W -f='\${Package}\n' | wc -l) (python3: \$(command -v python3 || echo none))"
exec runuser -u $user -- env -i HOME=/home/$user USER=$user PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 \$(cat /tmp/fresh/env) bash -c '
  mark() { echo "##fresh \$1 \$2 \$3"; }
  cd ~ && s=\$(date +%s)
  git clone -q -c advice.detachedHead=false /tmp/fresh/fairkd.bundle fairkd && cd fairkd && git checkout -q $commit
  rc=\$?; mark clone \$((\$(date +%s) - s)) \$rc; [ \$rc -eq 0 ] || exit 1
  echo "== clone: \$(git log -1 --format="%H %s" | cut -c1-120)"
  s=\$(date +%s); make test; rc=\$?; mark make-test \$((\$(date +%s) - s)) \$rc
  if [ "${FRESH_SKIP_DEMO:-0}" = 1 ]; then mark make-demo 0 skipped; exit \$rc; fi
  s=\$(date +%s); make demo; rd=\$?; mark make-demo \$((\$(date +%s) - s)) \$rd
  [ \$rc -eq 0 ] && [ \$rd -eq 0 ]'
EOF
chmod 755 "$dir/tmp/fresh/inside.sh"

set +e
unshare --mount --propagation private /bin/bash -c '
  set -e
  root=$1
  mount --bind "$root" "$root"
  mount -t proc proc "$root/proc"
  mount --rbind /dev "$root/dev"
  mount --rbind /sys "$root/sys"
  cd "$root"
  mkdir -p .host
  pivot_root . .host
  cd /
  umount -l /.host
  rmdir /.host
  exec /tmp/fresh/inside.sh' fresh "$dir"
rc=$?
set -e
phase "inside (requirements, clone, make test, make demo)"

{
  echo "commit: $commit"
  echo "date: $(date -u -d "@$t0" '+%Y-%m-%d %H:%M UTC'), host $(nproc) cores, mirror $mirror, SDK $("$dotnet_root/dotnet" --version)"
  printf '%s\n' "${times[@]}"
  grep -a '^##fresh ' "$log" | sed 's/^##fresh \([^ ]*\) \([0-9]*\) \(.*\)/\1: \2 s, exit \3/' || true
  grep -a '^tests: ' "$log" | tail -n 1 || true
  grep -a '^skipped: ' "$log" || true
  grep -a '^demo: report' "$log" | tail -n 1 || true
  echo "total: $(( $(date +%s) - t0 )) s, exit $rc"
} > "$result"
echo "== result ($result)"
cat "$result"
exit $rc
