#!/usr/bin/env bash
# Builds every scanner image that can be built on this machine, from Debian and npm packages only.
# When debian:trixie-slim is neither present nor pullable (no registry reachable), it is
# made locally with debootstrap and docker import. Re-running skips images that exist;
# pass --force to rebuild them all.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
force=0; [ "${1:-}" = "--force" ] && force=1
base="debian:trixie-slim"
mirror="${SCANGATE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

log() { echo "[build-images] $*"; }

if ! docker image inspect "$base" >/dev/null 2>&1; then
  if timeout 60 docker pull "$base" >/dev/null 2>&1; then
    log "pulled $base"
  else
    command -v debootstrap >/dev/null || { log "installing debootstrap (needs root)"; apt-get install -y debootstrap >/dev/null; }
    root="$(mktemp -d /tmp/scangate-rootfs.XXXXXX)"
    log "no registry: creating $base with debootstrap --variant=minbase trixie (about 30 s)"
    debootstrap --variant=minbase trixie "$root" "$mirror" >/tmp/scangate-debootstrap.log 2>&1 \
      || { log "debootstrap failed, see /tmp/scangate-debootstrap.log"; exit 1; }
    # Keep the image small: no apt lists or caches.
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb
    tar -C "$root" -c . | docker import --change 'CMD ["bash"]' - "$base" >/dev/null
    rm -rf "$root"
    log "imported $base"
  fi
fi

# Certificates this machine trusts beyond Debian's (a TLS-inspecting proxy's, say) go to the builds as the build
# argument EXTRA_CA_CERTS; a Dockerfile that downloads over https (npm) declares it and uses it for that step only.
extra_ca=""
for crt in /usr/local/share/ca-certificates/*.crt; do
  if [ -f "$crt" ]; then extra_ca+="$(cat "$crt")"$'\n'; fi
done

for dir in "$here"/*/; do
  name="$(basename "$dir")"
  [ -f "$dir/Dockerfile" ] || continue
  tag="scangate/$name:latest"
  # A tool that cannot be installed from Debian or npm packages (its release comes from a registry or a
  # download site this machine cannot reach) says so on a line of its Dockerfile; it is built where it can be.
  if grep -q '^# scangate: needs-internet' "$dir/Dockerfile"; then
    log "$tag skipped (its Dockerfile needs the internet)"
    continue
  fi
  if [ "$force" = 0 ] && docker image inspect "$tag" >/dev/null 2>&1; then
    log "$tag present"
    continue
  fi
  log "building $tag"
  docker build --network host --build-arg EXTRA_CA_CERTS="$extra_ca" -q -t "$tag" "$dir" >/dev/null
done
log "done"
