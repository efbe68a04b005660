#!/usr/bin/env bash
# Rebuilds the MultiversX cases: vulnerable.wasm (--features vulnerable) and
# remediated.wasm, or benign.wasm for kind = "benign".
#
# sc-meta is not used; this does what `sc-meta all build --wasm-symbols` does
# for multiversx-sc 0.66 (see framework/meta-lib wasm_build.rs upstream):
#   cargo build --target=wasm32v1-none --release in the contract's wasm crate
#     RUSTFLAGS: -C link-arg=-zstack-size=131072 (sc-config default, 2 pages);
#     no `-C link-arg=-s`, so the name section is kept (--wasm-symbols)
#   profile (generated wasm crate): opt-level="z", lto, codegen-units=1,
#     panic=abort, overflow-checks=false
#   wasm-opt -Oz -g (name section kept)
# wasm32v1-none has no prebuilt core here, so it is built with
# -Zbuild-std=core,alloc (RUSTC_BOOTSTRAP=1). Toolchain: Debian's rustc-web /
# cargo-web 1.96 + rust-web-src, lld-22, binaryen.
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
export RUSTFLAGS="-C link-arg=-zstack-size=131072 \
--remap-path-prefix=$HOME/.cargo/registry=/cargo/registry --remap-path-prefix=$HERE=/src \
--remap-path-prefix=$CARGO_TARGET_DIR=/target --remap-path-prefix=$SYSROOT_SRC=/rustc/src"
TARGET=wasm32v1-none
OUT=$CARGO_TARGET_DIR/$TARGET/release

build_one() {  # build_one <dir> <wasm package> <out file> [features]
   local dir=$1 pkg=$2 out=$3 features=${4:-}
   nice -n 10 "$CARGO" build --locked -q -p "$pkg" --release --target $TARGET \
      -Zbuild-std=core,alloc ${features:+--features "$features"}
   nice -n 10 wasm-opt -Oz -g --mvp-features --enable-mutable-globals \
      "$OUT/${pkg//-/_}.wasm" -o "$dir/$out"
   echo "multiversx: built $dir/$out"
}

for dir in */; do
   dir=${dir%/}
   [ -f "$dir/case.toml" ] || continue
   pkg=$(sed -n 's/^name *= *"\(.*\)"/\1/p' "$dir/wasm/Cargo.toml" | head -1)
   kind=$(sed -n 's/^kind *= *"\(.*\)"/\1/p' "$dir/case.toml")
   if [ "$kind" = benign ]; then
      build_one "$dir" "$pkg" benign.wasm
   else
      build_one "$dir" "$pkg" vulnerable.wasm vulnerable
      build_one "$dir" "$pkg" remediated.wasm
   fi
done
