#!/usr/bin/env bash
# Installs the built nash into a temporary prefix, builds tests/install as an outside project
# against it (only <nash/nash.h>), and checks the program's output: a backward pass, then a GAN
# whose discriminator uses a layer the outside project defines, trained through gan::Run. Usage: check_install.sh BUILD_DIR
set -euo pipefail
build=$1
src=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cmake -S "$src" -B "$tmp/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$tmp/build" >/dev/null
out=$("$tmp/build/consumer") || { echo "consumer failed: $out" >&2; exit 1; }
[[ "$(head -1 <<< "$out")" == "14 12" ]] || { echo "consumer printed '$out', expected '14 12' first" >&2; exit 1; }
# Only the public headers are installed.
[[ -f "$tmp/prefix/include/nash/nash.h" && ! -e "$tmp/prefix/include/nash/tensor/kernels" ]] ||
  { echo "installed headers: nash/nash.h missing or internal headers installed" >&2; exit 1; }
echo "installed nash found and linked; a GAN with the consumer's own layer trained: $out"
