#!/usr/bin/env bash
# Builds the cdcctl container image with podman, from this checkout and without any registry:
#   bash examples/container/build.sh                   # localhost/cdcctl:<package.json version>
#   IMAGE=ghcr.io/you/cdcctl bash examples/container/build.sh    # also tagged <IMAGE>:<version>
#   bash examples/container/build.sh --base node       # FROM node:<pinned>-bookworm-slim (needs Docker Hub)
# then e.g. `podman push ghcr.io/you/cdcctl:0.1.0`. Prints the image and its size on the last line.
#
# Installs podman (+ runc) with apt when it is missing and this is root. CONTAINERS_CONF defaults to
# examples/container/containers.conf (runc, cgroupfs, no default ulimits: what works on the project's
# machines), so the machine's own containers.conf is not touched. Needs a built checkout (npm run build;
# run here if dist/ is missing) and npm for the production dependencies (`npm ci --omit=dev`, from npm's
# cache when it has them).
#
# The build context is a staging directory, $IMAGE_STAGE (default .image-build/ in the checkout); the
# stripped Node binary and the production node_modules are made once per machine and kept in
# $CDCCTL_IMAGE_CACHE (default ~/.cache/cdcctl/image). The image is one `podman build` of COPY steps (no
# RUN, so no container runtime is involved).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

base=scratch
while [ $# -gt 0 ]; do
  case "$1" in
    --base) base=${2:?--base scratch|node}; shift 2 ;;
    --base=*) base=${1#--base=}; shift ;;
    -h|--help) sed -n '2,18p' "$here/build.sh" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done
case "$base" in scratch|node) ;; *) echo "build.sh: --base is scratch or node, not $base" >&2; exit 2 ;; esac

t0=$(date +%s%N)
elapsed() { local ms=$(( ($(date +%s%N) - t0) / 1000000 )); printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100)); }

if ! command -v podman >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "build.sh: podman is not installed; install it (Debian: apt-get install podman runc) and run again" >&2
    exit 1
  fi
  echo "build.sh: installing podman and runc (apt)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends podman runc >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends podman runc >/dev/null; }
fi
export CONTAINERS_CONF=${CONTAINERS_CONF:-$here/containers.conf}

export PATH="$root/node_modules/.bin:$PATH"   # the pinned Node 22 (npm runs on it too)
node_bin=$(readlink -f node_modules/.bin/node)
[ -x "$node_bin" ] || { echo "build.sh: no pinned Node in node_modules (run npm ci)" >&2; exit 1; }
[ -f dist/main.js ] || npm run --silent build
version=$(node -p 'require("./package.json").version')
node_version=$(node -p 'process.versions.node')

stage=${IMAGE_STAGE:-$root/.image-build}
mkdir -p "$stage"
key() { sha256sum "$@" | sha256sum | cut -c1-16; }

# The production dependencies and the scratch image's OS files are made once per machine (CI clones
# afresh for every run) under $cache/<name>-<key of their sources>, then hard-linked into the stage.
cache=${CDCCTL_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdcctl/image}
mkdir -p "$cache"
find "$cache" -mindepth 1 -maxdepth 1 -mtime +14 -exec rm -rf {} + # entries no build used for two weeks
cached() { # <name> <key> <function that fills the directory it is given>
  local dir=$cache/$1-$2 tmp
  if [ ! -d "$dir" ]; then
    # made in a temporary directory and renamed into place: a concurrent build never sees half of it
    tmp=$(mktemp -d "$cache/.$1-XXXXXX") && chmod 755 "$tmp"
    "$3" "$tmp"
    mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"
  fi
  touch "$dir"
  [ "$(cat "$stage/$1.key" 2>/dev/null)" = "$2" ] && return
  rm -rf "${stage:?}/$1" "$stage/$1.key"
  cp -al "$dir" "$stage/$1" 2>/dev/null || cp -a "$dir" "$stage/$1"
  echo "$2" >"$stage/$1.key"
}

# deps/node_modules: the production dependencies, a layer of their own (reused while the lock is the same)
make_deps() {
  cp package.json package-lock.json "$1/"
  # no install scripts: none of the production dependencies has one (the native CRC32 of
  # @platformatic/kafka is a prebuilt optional package)
  (cd "$1" && npm ci --omit=dev --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error)
}
deps_key=$(key package.json package-lock.json)
cached deps "$deps_key" make_deps

# app/: what `npm pack` would ship (package.json "files"), without source maps
app=$stage/app
rm -rf "$app" && mkdir -p "$app/bin"
cp bin/run.js "$app/bin/"
cp package.json oclif.manifest.json "$app/"
cp -a dist "$app/dist" && find "$app/dist" -name '*.map' -delete

# links/ → /usr/local/bin: `cdcctl` is bin/run.js (its #!/usr/bin/env node finds /usr/local/bin/node)
rm -rf "$stage/links" && mkdir -p "$stage/links"
ln -s /opt/cdcctl/bin/run.js "$stage/links/cdcctl"
mkdir -p "$stage/home"

# rootfs/: Node, /bin/sh, /usr/bin/env, the libraries they and the native addons link, CA certificates, users
make_rootfs() {
  local rootfs=$1 lib
  mkdir -p "$rootfs"/{usr/local/bin,usr/bin,bin,etc/ssl/certs,tmp}
  chmod 1777 "$rootfs/tmp"
  # the debug symbols are a sixth of the binary; the dynamic symbols native addons link against stay
  strip -o "$rootfs/usr/local/bin/node" "$node_bin" 2>/dev/null || cp "$node_bin" "$rootfs/usr/local/bin/node"
  cp /bin/dash "$rootfs/bin/sh"
  cp /usr/bin/env "$rootfs/usr/bin/env"
  # the shared libraries of every ELF file in the image (ldd resolves them as the loader will)
  local elves=("$rootfs/usr/local/bin/node" "$rootfs/bin/sh" "$rootfs/usr/bin/env")
  while IFS= read -r -d '' lib; do elves+=("$lib"); done < <(find "$stage/deps/node_modules" -name '*.node' -print0)
  for lib in $(ldd "${elves[@]}" 2>/dev/null | grep -oE '/[^ ]+\.so[^ ]*' | sort -u); do
    mkdir -p "$rootfs$(dirname "$lib")"
    cp -L "$lib" "$rootfs$lib"
  done
  cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/"
  printf 'root:x:0:0:root:/root:/usr/sbin/nologin\ncdcctl:x:10001:10001:cdcctl:/home/cdcctl:/usr/sbin/nologin\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\ncdcctl:x:10001:\n' >"$rootfs/etc/group"
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
}

if [ "$base" = scratch ]; then
  rootfs_key=$(key "$node_bin" /bin/dash /usr/bin/env /etc/ssl/certs/ca-certificates.crt "$here/build.sh" <(echo "$deps_key"))
  cached rootfs "$rootfs_key" make_rootfs
  containerfile=$here/Containerfile
  build_args=()
else
  containerfile=$here/Containerfile.node
  build_args=(--build-arg "NODE_IMAGE=docker.io/library/node:${node_version}-bookworm-slim")
  rootfs_key=-
fi
image=localhost/cdcctl:$version

tags=(-t "$image")
[ -n "${IMAGE:-}" ] && tags+=(-t "$IMAGE:$version")
# The whole build context in one key (the cached parts by their keys, the rest by content), kept as a
# label: an image built from the same context is not built again (CI builds it, then the test asks again).
context_key=$({
  echo "$base $version ${build_args[*]} $deps_key $rootfs_key"
  cat "$containerfile"
  tar -C "$stage" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - app links home
} | sha256sum | cut -c1-32)
if [ "$(podman image inspect --format '{{index .Config.Labels "io.cdcctl.context"}}' "$image" 2>/dev/null)" = "$context_key" ]; then
  [ -n "${IMAGE:-}" ] && podman tag "$image" "$IMAGE:$version"
  size=$(podman image inspect --format '{{.Size}}' "$image")
  printf '%s (%s) up to date (%ss): %s MB\n' "$image" "$base" "$(elapsed)" "$((size / 1000000))"
  exit 0
fi
# Layers are cached (unchanged content is not copied again). The image this build replaces is removed
# once the tag has moved, with its cache layers (unless a container still uses it): rebuilds leave no garbage.
previous=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
podman build --quiet --layers -f "$containerfile" --build-arg "VERSION=$version" "${build_args[@]}" \
  --label "io.cdcctl.context=$context_key" "${tags[@]}" "$stage" >/dev/null
current=$(podman image inspect --format '{{.Id}}' "$image")
if [ -n "$previous" ] && [ "$previous" != "$current" ] && [ -z "$(podman image inspect --format '{{.RepoTags}}' "$previous" | tr -d '[]')" ]; then
  podman rmi "$previous" >/dev/null 2>&1 || true
fi
size=$(podman image inspect --format '{{.Size}}' "$image")
printf '%s (%s) built in %ss: %s MB\n' "$image" "$base" "$(elapsed)" "$((size / 1000000))"
