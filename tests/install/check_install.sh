#!/usr/bin/env bash
# Installs the build tree into a scratch prefix, builds the consumer against it, runs it.
set -euo pipefail
build_dir=$1
source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cmake --install "$build_dir" --prefix "$scratch/prefix" >/dev/null
test -x "$scratch/prefix/bin/cutover" || { echo "cutover CLI was not installed"; exit 1; }
test -f "$scratch/prefix/include/cutover/client.h" || { echo "headers were not installed"; exit 1; }
cmake -S "$source_dir/consumer" -B "$scratch/build" -DCMAKE_PREFIX_PATH="$scratch/prefix" \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$scratch/build" >/dev/null
out=$("$scratch/build/consumer")
if [[ $out != shadow ]]; then
  echo "consumer printed '$out', expected 'shadow'"
  exit 1
fi
echo "installed tree builds and runs a consumer: OK"
