#!/usr/bin/env bash
# Regenerates the protobuf-c code in Sources/CNexusProto from proto/nexus/v1/*.proto.
# Needs protoc-c (Debian: protobuf-c-compiler). With --check, generates into a temporary
# folder and fails if the committed code differs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
target="$root/Sources/CNexusProto"
command -v protoc-c >/dev/null || { echo "generate.sh: protoc-c not found (apt-get install protobuf-c-compiler)" >&2; exit 2; }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
(cd "$here" && protoc-c --c_out="$out" nexus/v1/*.proto)

# SwiftPM wants public headers under include/; the .c files include "nexus/v1/x.pb-c.h",
# which resolves there.
mkdir -p "$out/tree/include/nexus/v1" "$out/tree/nexus/v1"
mv "$out"/nexus/v1/*.pb-c.h "$out/tree/include/nexus/v1/"
mv "$out"/nexus/v1/*.pb-c.c "$out/tree/nexus/v1/"

if [ "${1:-}" = "--check" ]; then
  if diff -r "$out/tree/include/nexus" "$target/include/nexus" >/dev/null && diff -r "$out/tree/nexus" "$target/nexus" >/dev/null; then
    echo "generated protobuf-c code is in sync with proto/"
  else
    echo "generated protobuf-c code differs from proto/: run proto/generate.sh and commit" >&2
    diff -r "$out/tree/include/nexus" "$target/include/nexus" >&2 || true
    diff -r "$out/tree/nexus" "$target/nexus" >&2 || true
    exit 1
  fi
  exit 0
fi
rm -rf "$target/nexus" "$target/include/nexus"
mkdir -p "$target/include"
cp -r "$out/tree/nexus" "$target/"
cp -r "$out/tree/include/nexus" "$target/include/"
echo "regenerated $(ls "$target"/nexus/v1/*.c | wc -l) files into Sources/CNexusProto"
