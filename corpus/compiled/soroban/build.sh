#!/usr/bin/env bash
# Rebuild every Soroban case's .wasm from source (soroban-sdk 23, wasm32v1-none, release profile
# of the workspace: opt-level z, lto, panic=abort, name section kept).
# Usage: ./build.sh [case ...]   (default: every member of the workspace)
set -euo pipefail
cd "$(dirname "$0")"
HERE="$PWD"
TARGET_DIR="$HERE/target"
TRIPLE=wasm32v1-none
# wasm32v1-none is the MVP (+mutable-globals) target soroban-sdk 22+ requires.
export RUSTFLAGS="--remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}/registry=/cargo/registry --remap-path-prefix=$HERE=/src --remap-path-prefix=$TARGET_DIR=/target"
export CARGO_TARGET_DIR="$TARGET_DIR"
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}"
cases=("$@")
if [ ${#cases[@]} -eq 0 ]; then
  cases=($(sed -n '/^members = \[/,/^\]/p' Cargo.toml | grep '"' | tr -d '", '))
fi
for c in "${cases[@]}"; do
  kind=$(sed -n 's/^kind *= *"\(.*\)"/\1/p' "$c/case.toml")
  lib=$(echo "$c" | tr - _)
  out="$TARGET_DIR/$TRIPLE/release/$lib.wasm"
  if [ "$kind" = pair ]; then
    nice -n 10 cargo build --locked --release --target $TRIPLE -p "$c" --features vulnerable
    cp "$out" "$c/vulnerable.wasm"
    nice -n 10 cargo build --locked --release --target $TRIPLE -p "$c"
    cp "$out" "$c/remediated.wasm"
  else
    nice -n 10 cargo build --locked --release --target $TRIPLE -p "$c"
    cp "$out" "$c/benign.wasm"
  fi
  echo "built $c ($kind)"
done
