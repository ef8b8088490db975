#!/usr/bin/env bash
# Installs the build tree into a scratch prefix and checks what an application gets: only the
# public headers, a working find_package(cutover), and an SDK that pulls in no PostgreSQL.
set -euo pipefail
build_dir=$1
source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$source_dir/../.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fail() { echo "install_consumer: $*" >&2; exit 1; }

cmake --install "$build_dir" --prefix "$scratch/prefix" >/dev/null
test -x "$scratch/prefix/bin/cutover" || fail "the cutover CLI was not installed"
test -f "$scratch/prefix/include/cutover/client.h" || fail "the public headers were not installed"
for lib in cutover cutover_comparator cutover_pg cutover_report; do
  test -f "$scratch/prefix/lib/lib$lib.a" || test -f "$scratch/prefix/lib/"*/"lib$lib.a" \
    || fail "lib$lib.a was not installed"
done

# Only public headers: no *_internal.h, and no header that lives beside a library's sources.
internal=$(find "$scratch/prefix/include" -name '*_internal.h')
[[ -z $internal ]] || fail "internal headers were installed: $internal"
while IFS= read -r header; do
  name=$(basename "$header")
  from_src=$(find "$repo"/{sdk,comparator,pg,report}/src -name "$name")
  [[ -z $from_src ]] || fail "installed $name, which belongs to $from_src"
done < <(find "$scratch/prefix/include" -name '*.h')

cmake -S "$source_dir/consumer" -B "$scratch/build" -DCMAKE_PREFIX_PATH="$scratch/prefix" \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$scratch/build" >/dev/null
out=$("$scratch/build/consumer")
[[ $out == shadow ]] || fail "consumer printed '$out', expected 'shadow'"
out=$("$scratch/build/consumer_tool")
[[ $out == '"user pair" 1' ]] || fail "consumer_tool printed '$out', expected '\"user pair\" 1'"

# An application that links only cutover::sdk carries no PostgreSQL client library: not on
# its link line (what the exported targets ask for), not in the binary.
link_line() { cat "$scratch/build/CMakeFiles/$1.dir/link.txt"; }
if link_line consumer | grep -q -e pqxx -e '-lpq\b'; then
  fail "consumer links only cutover::sdk, yet its link line names PostgreSQL: $(link_line consumer)"
fi
if ldd "$scratch/build/consumer" | grep -q -e libpqxx -e libpq; then
  fail "consumer links only cutover::sdk but loads PostgreSQL: $(ldd "$scratch/build/consumer" | grep libpq)"
fi
link_line consumer_tool | grep -q pqxx || fail "consumer_tool links cutover::pg, whose link line should name libpqxx"
echo "installed tree: public headers only; SDK consumer without libpqxx; tool consumer: OK"
