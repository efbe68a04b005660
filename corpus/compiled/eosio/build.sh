#!/usr/bin/env bash
# Rebuilds every EOSIO case: contract.cpp -> vulnerable.wasm (-DVULNERABLE) and
# remediated.wasm, or benign.wasm for kind = "benign".
# Needs Debian's clang-19 and lld-19 (apt-get install -y clang-19 lld-19).
set -euo pipefail
cd "$(dirname "$0")"
CXX=${CXX:-clang++-19}
CXX=$(command -v "$CXX") || { echo "eosio: clang++-19 not found (apt-get install -y clang-19 lld-19)" >&2; exit 1; }
# clang runs binaryen's wasm-opt after linking when one is on PATH, which drops the name section
# (cdt does not do that), so the compiler runs with a PATH holding only the linker it needs.
CLANG_PATH=$(mktemp -d)
trap 'rm -rf "$CLANG_PATH"' EXIT
ln -s "$(command -v wasm-ld-19)" "$CLANG_PATH/wasm-ld-19"
# Like cdt: MVP wasm only, no libc, apply exported, host functions imported from env.
CXXFLAGS=(--target=wasm32 -mcpu=mvp -std=c++17 -ffreestanding -fno-exceptions -fno-rtti
          -fno-threadsafe-statics -nostdlib -Iinclude -Wall -Wno-unused-private-field -Wno-packed-non-pod)
LDFLAGS=(-Wl,--no-entry -Wl,--export=apply -Wl,--allow-undefined)

build() {  # build <case dir> <source> <opt level> <out prefix suffix>
   local dir=$1 src=$2 opt=$3 suffix=${4:-}
   local kind
   kind=$(sed -n 's/^kind *= *"\(.*\)"/\1/p' "$dir/case.toml")
   if [ "$kind" = benign ]; then
      nice -n 10 env PATH="$CLANG_PATH" "$CXX" "${CXXFLAGS[@]}" "$opt" "${LDFLAGS[@]}" -o "$dir/benign$suffix.wasm" "$src"
   else
      nice -n 10 env PATH="$CLANG_PATH" "$CXX" "${CXXFLAGS[@]}" "$opt" -DVULNERABLE "${LDFLAGS[@]}" -o "$dir/vulnerable$suffix.wasm" "$src"
      nice -n 10 env PATH="$CLANG_PATH" "$CXX" "${CXXFLAGS[@]}" "$opt" "${LDFLAGS[@]}" -o "$dir/remediated$suffix.wasm" "$src"
   fi
   echo "eosio: built $dir ($opt)"
}

for dir in */; do
   dir=${dir%/}
   [ -f "$dir/case.toml" ] || continue
   # Optimization variants reuse a sibling case's source (case.toml: source = "../x/contract.cpp").
   src=$(sed -n 's/^source *= *"\(.*\)"/\1/p' "$dir/case.toml")
   opt=$(sed -n 's/^opt *= *"\(.*\)"/\1/p' "$dir/case.toml")
   build "$dir" "$dir/${src:-contract.cpp}" "${opt:--O2}"
done
