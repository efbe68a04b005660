#!/usr/bin/env bash
# Rebuilds the ink! 5 cases: vulnerable.wasm (--features vulnerable) and
# remediated.wasm, or benign.wasm for kind = "benign".
#
# cargo-contract is not used (it cannot be installed offline here); this
# script does what `cargo contract build --release --keep-debug-symbols` does
# for ink! 5 on Wasm:
#   cargo build --release --target wasm32-unknown-unknown --no-default-features
#     -Zbuild-std=core,alloc (RUSTC_BOOTSTRAP=1 on a stable toolchain)
#     RUSTFLAGS: -Clink-arg=-zstack-size=65536 -Clink-arg=--import-memory -Ctarget-cpu=mvp
#   profile: panic=abort, lto, opt-level="z", codegen-units=1, overflow-checks
#   postprocess.py: only `call`/`deploy` exported, memory import capped at 16 pages
#   wasm-opt -Oz -g --mvp-features (binaryen), name section kept.
# Toolchain: Debian's rustc-web/cargo-web 1.96 + rust-web-src (for build-std)
# + lld-22 + binaryen; RUSTC/CARGO may point elsewhere.
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
export RUSTFLAGS="-Clink-arg=-zstack-size=65536 -Clink-arg=--import-memory -Ctarget-cpu=mvp \
--remap-path-prefix=$HOME/.cargo/registry=/cargo/registry --remap-path-prefix=$HERE=/src \
--remap-path-prefix=$CARGO_TARGET_DIR=/target --remap-path-prefix=$SYSROOT_SRC=/rustc/src"
OUT=$CARGO_TARGET_DIR/wasm32-unknown-unknown/release

build_one() {  # build_one <dir> <package> <out file> [features]
   local dir=$1 pkg=$2 out=$3 features=${4:-}
   nice -n 10 "$CARGO" build --locked -q -p "$pkg" --release --target wasm32-unknown-unknown \
      -Zbuild-std=core,alloc --no-default-features ${features:+--features "$features"}
   python3 postprocess.py "$OUT/$pkg.wasm" "$dir/$out.tmp"
   nice -n 10 wasm-opt -Oz -g --mvp-features "$dir/$out.tmp" -o "$dir/$out"
   rm -f "$dir/$out.tmp"
   echo "ink: built $dir/$out"
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
