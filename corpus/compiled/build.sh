#!/usr/bin/env bash
# Rebuilds the compiled corpus: one line per platform.
set -euo pipefail
cd "$(dirname "$0")"
bash eosio/build.sh
bash near/build.sh
bash cosmwasm/build.sh
bash soroban/build.sh
bash ink/build.sh
bash multiversx/build.sh
bash stylus/build.sh
