#!/usr/bin/env bash
# Installs the built nash into a temporary prefix, builds tests/install as an outside project
# against it, and checks the program's output. Usage: check_install.sh BUILD_DIR
set -euo pipefail
build=$1
src=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cmake -S "$src" -B "$tmp/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$tmp/build" >/dev/null
out=$("$tmp/build/consumer")
[[ "$out" == "14 12" ]] || { echo "consumer printed '$out', expected '14 12'" >&2; exit 1; }
echo "installed nash found and linked: $out"
