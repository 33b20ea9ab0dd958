#!/usr/bin/env bash
# Karapace (a Confluent-compatible Schema Registry) for the registry tests, in the cache dir, outside git.
# Karapace needs Python 3.12-3.14; Debian bookworm has 3.11. When no such python is on PATH, CPython 3.13.5 is
# built from Debian trixie's python3.13 source package (CPython's own tarball, sha256 as trixie's Sources index
# lists it) against bookworm's -dev packages: about 3 minutes on 2 cores. Then the shared tools' install.sh
# (../shared/tools/karapace, pinned requirements from PyPI) makes the venv. Prints the venv's path.
#   bash scripts/setup-karapace.sh            -> $CACHE/karapace-6.2.0
# .ci/run runs it and hands the venv to the Karapace suite (RELSTREAM_KARAPACE_VENV).
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${RELSTREAM_CACHE_DIR:-$HOME/.cache/relstream}"
TOOLS="${RELSTREAM_KARAPACE_TOOLS:-}"
for candidate in "$TOOLS" ../shared/tools/karapace /work/shared/tools/karapace; do
  if [ -n "$candidate" ] && [ -f "$candidate/install.sh" ]; then TOOLS="$candidate"; break; fi
done
[ -f "$TOOLS/install.sh" ] || { echo "setup-karapace: the shared Karapace tools were not found; set RELSTREAM_KARAPACE_TOOLS" >&2; exit 1; }

PY_VERSION=3.13.5
PY_TARBALL="python3.13_${PY_VERSION}.orig.tar.xz"
PY_SHA256=93e583f243454e6e9e4588ca2c2662206ad961659863277afcdb96801647d640
# The Debian archive this machine's apt is configured with (deb822 .sources or one-line .list), never a host
# written here: mirrors differ per machine. RELSTREAM_DEBIAN_MIRROR overrides it.
# Never fails (pipefail and set -e would end the script silently): a machine may have no sources.list, no
# .sources file, or no match; the caller reports an empty answer.
debian_mirror() {
  {
    cat /etc/apt/sources.list.d/*.sources 2>/dev/null | sed -nE 's/^[[:space:]]*URIs:[[:space:]]*//p' | tr ' ' '\n'
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | sed -nE 's/^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+).*/\2/p'
  } | awk '/^https?:\/\// && !/-security/ { print; exit }' || true
}
MIRROR="${RELSTREAM_DEBIAN_MIRROR:-$(debian_mirror)}"
PY_URL="${MIRROR%/}/pool/main/p/python3.13/$PY_TARBALL"
PY_PREFIX="$CACHE/python-$PY_VERSION"

usable() { "$1" -c 'import sys, venv, ensurepip, ssl, sqlite3; sys.exit(0 if (3, 12) <= sys.version_info[:2] < (3, 15) else 1)' >/dev/null 2>&1; }

PYTHON=""
for candidate in "${KARAPACE_PYTHON:-}" python3.14 python3.13 python3.12 "$PY_PREFIX/bin/python3.13"; do
  if [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 && usable "$(command -v "$candidate")"; then
    PYTHON="$(command -v "$candidate")"
    break
  fi
done

if [ -z "$PYTHON" ]; then
  [ -n "$MIRROR" ] || { echo "setup-karapace: no Debian archive in the apt configuration; set RELSTREAM_DEBIAN_MIRROR" >&2; exit 1; }
  echo "setup-karapace: building CPython $PY_VERSION into $PY_PREFIX from $PY_URL" >&2
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  curl -fsS --retry 3 -o "$work/$PY_TARBALL" "$PY_URL"
  echo "$PY_SHA256  $work/$PY_TARBALL" | sha256sum -c --quiet
  tar -xf "$work/$PY_TARBALL" -C "$work"
  (
    cd "$work/Python-$PY_VERSION"
    ./configure --prefix="$PY_PREFIX" --without-ensurepip >"$work/configure.log" 2>&1
    make -j"$(nproc)" >"$work/make.log" 2>&1
    make install >"$work/install.log" 2>&1
  ) || { tail -20 "$work"/*.log >&2; exit 1; }
  # ensurepip's bundled wheel: pip without the network.
  "$PY_PREFIX/bin/python3.13" -m ensurepip --default-pip >/dev/null 2>&1
  PYTHON="$PY_PREFIX/bin/python3.13"
  usable "$PYTHON" || { echo "setup-karapace: the built python lacks venv, ssl or sqlite3" >&2; exit 1; }
fi

VENV="$CACHE/karapace-6.2.0"
KARAPACE_PYTHON="$PYTHON" bash "$TOOLS/install.sh" "$VENV" >&2
echo "$VENV"
