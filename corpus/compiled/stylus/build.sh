#!/usr/bin/env bash
# Rebuilds the Stylus cases: vulnerable.wasm (--features vulnerable) and
# remediated.wasm, or benign.wasm for kind = "benign".
#
# cargo-stylus is not used (it would only wrap this build and check/deploy
# against a node). This is what `cargo stylus check` builds:
#   cargo build --lib --release --target wasm32-unknown-unknown
#   RUSTFLAGS from the `cargo stylus new` template's .cargo/config.toml:
#     -C link-arg=-zstack-size=32768 -C target-feature=-reference-types
#     -C target-feature=+bulk-memory
#   profile: opt-level "s", lto, codegen-units=1, panic=abort, but strip=false
#     (the template strips; we keep the name section)
# The standard library is rebuilt with -Zbuild-std=std,panic_abort (cargo
# stylus does the same on nightly; here RUSTC_BOOTSTRAP=1 on Debian's
# rustc-web 1.96 + rust-web-src, since no prebuilt wasm32 std is available).
set -euo pipefail
cd "$(dirname "$0")"
HERE=$(pwd)
ROOT=$(cd ../../.. && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target/corpus-compiled}
export RUSTC=${RUSTC:-/usr/bin/rustc}
CARGO=${CARGO:-/usr/bin/cargo}
export RUSTC_BOOTSTRAP=1
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1}
SYSROOT_SRC=$("$RUSTC" --print sysroot)/lib/rustlib/src/rust
export RUSTFLAGS="-C link-arg=-zstack-size=32768 -C target-feature=-reference-types -C target-feature=+bulk-memory \
--remap-path-prefix=$HOME/.cargo/registry=/cargo/registry --remap-path-prefix=$HERE=/src \
--remap-path-prefix=$CARGO_TARGET_DIR=/target --remap-path-prefix=$SYSROOT_SRC=/rustc/src"
OUT=$CARGO_TARGET_DIR/wasm32-unknown-unknown/release

build_one() {  # build_one <dir> <package> <out file> [features]
   local dir=$1 pkg=$2 out=$3 features=${4:-}
   nice -n 10 "$CARGO" build --locked -q -p "$pkg" --lib --release --target wasm32-unknown-unknown \
      -Zbuild-std=std,panic_abort ${features:+--features "$features"}
   cp "$OUT/${pkg//-/_}.wasm" "$dir/$out"
   echo "stylus: built $dir/$out"
}

for dir in */; do
   dir=${dir%/}
   [ -f "$dir/case.toml" ] || continue
   pkg=$(sed -n 's/^name *= *"\(.*\)"/\1/p' "$dir/Cargo.toml" | head -1)
   kind=$(sed -n 's/^kind *= *"\(.*\)"/\1/p' "$dir/case.toml")
   if [ "$kind" = benign ]; then
      build_one "$dir" "$pkg" benign.wasm
   else
      build_one "$dir" "$pkg" vulnerable.wasm vulnerable
      build_one "$dir" "$pkg" remediated.wasm
   fi
done
