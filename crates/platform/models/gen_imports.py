#!/usr/bin/env python3
"""Merge the VM import lists (imports/<platform>.txt) into the platform models (<platform>.json).

Each list names one host function per line as `module.name` (Soroban adds the env.json function
name after a space); `#` lines are comments, and the header names the VM source it was read from
and says `# complete: yes` when it is the VM's whole import table.

For every listed name that the model cannot resolve yet, a host entry is appended with the effects
given in NEW_EFFECTS (default: none, which still makes the import known). Existing entries keep
their effects and arguments. ON_FAILURE sets the `on_failure` field (traps | returns-status) from
the VM source named in ON_FAILURE_NOTES. The models keep their one-entry-per-line layout; only
changed or new lines are written.

    python3 gen_imports.py          # rewrite the models
    python3 gen_imports.py --check  # exit 1 when a model is not up to date

Standard library only.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
LISTS = os.path.join(HERE, "imports")

# Effects (and argument roles) of names that are new to a model. Anything not named here gets
# `effects: []`. Effects follow the conventions of the hand-written entries of the same model.
BLOCK = ["block-info"]
CRYPTO = ["crypto"]
NEW_EFFECTS = {
    "multiversx": {
        "getBlockHash": (BLOCK, {"nonce": 0, "output": 1}),
        "getBlockTimestampMs": (BLOCK, None),
        "getPrevBlockTimestampMs": (BLOCK, None),
        "getBlockRoundTimeInMilliseconds": (BLOCK, None),
        "getBlockRoundTimeMs": (BLOCK, None),
        "epochStartBlockTimeStampMs": (BLOCK, None),
        "epochStartBlockTimestampMs": (BLOCK, None),
        "epochStartBlockNonce": (BLOCK, None),
        "epochStartBlockRound": (BLOCK, None),
        "deleteContract": (["terminate"], {"destination": 0, "gas": 1, "arg_count": 2, "arg_lengths": 3, "args": 4}),
        "getCallValueTokenName": (["call-value"], {"output": 0}),
        "getCallValueTokenNameByIndex": (["call-value"], {"output": 0}),
        "managedExecuteOnDestContextWithErrorReturn": (
            ["external-call"],
            {"gas": 0, "destination": 1, "amount": 2, "function": 3, "arguments": 4, "output": 5},
        ),
        "managedVerifySecp256r1": (["signature-verify"], {"pubkey": 0, "message": 1, "signature": 2}),
        "managedVerifyBLSSignatureShare": (["signature-verify"], {"pubkey": 0, "message": 1, "signature": 2}),
        "managedVerifyBLSAggregatedSignature": (["signature-verify"], {"pubkey": 0, "message": 1, "signature": 2}),
        **{
            n: (CRYPTO, None)
            for n in (
                "addEC doubleEC isOnCurveEC scalarBaseMultEC managedScalarBaseMultEC scalarMultEC "
                "managedScalarMultEC marshalEC managedMarshalEC marshalCompressedEC "
                "managedMarshalCompressedEC unmarshalEC managedUnmarshalEC unmarshalCompressedEC "
                "managedUnmarshalCompressedEC generateKeyEC managedGenerateKeyEC createEC "
                "managedCreateEC getCurveLengthEC getPrivKeyByteLengthEC ellipticCurveGetValues"
            ).split()
        },
    },
    "eosio": {
        "set_finalizers": (["privileged"], None),
        "verify_rsa_sha256_sig": (["signature-verify"], {"message": 0, "signature": 2, "pubkey": 6}),
        "set_fee_parameters": (["privileged"], None),
        "config_fee_limits": (["privileged"], {"account": 0}),
        "set_fee_limits": (["privileged"], {"account": 0}),
    },
    "ewasm": {
        "transfer": (["value-transfer"], {"account": 0, "amount": 1}),
    },
    "ink": {
        "restore_to": (["terminate"], None),
    },
}

# on_failure per platform: name -> "traps" | "returns-status". Only calls whose behaviour was read
# in the VM source (see ON_FAILURE_NOTES) are listed.
MX_TRAPS = (
    "transferValue transferValueExecute transferESDTExecute transferESDTNFTExecute "
    "multiTransferESDTNFTExecute managedTransferValueExecute managedMultiTransferESDTNFTExecute "
    "managedMultiTransferESDTNFTExecuteByUser executeOnDestContext executeOnSameContext "
    "executeReadOnly managedExecuteOnDestContext managedExecuteOnSameContext managedExecuteReadOnly "
    "createContract managedCreateContract deployFromSourceContract managedDeployFromSourceContract "
    "upgradeContract managedUpgradeContract upgradeFromSourceContract managedUpgradeFromSourceContract "
    "verifyBLS verifyEd25519 verifySecp256k1 verifyCustomSecp256k1 managedVerifyBLS "
    "managedVerifyEd25519 managedVerifySecp256k1 managedVerifyCustomSecp256k1 managedVerifySecp256r1 "
    "managedVerifyBLSSignatureShare managedVerifyBLSAggregatedSignature"
).split()
MX_STATUS = "managedMultiTransferESDTNFTExecuteWithReturn managedExecuteOnDestContextWithErrorReturn".split()
INK_STATUS = (
    "call delegate_call instantiate transfer sr25519_verify ecdsa_recover ecdsa_to_eth_address "
    "call_runtime xcm_execute xcm_send set_code_hash"
).split()
ON_FAILURE = {
    "multiversx": {**{n: "traps" for n in MX_TRAPS}, **{n: "returns-status" for n in MX_STATUS}},
    # Soroban: by export name (module.export), as the model's import names are the short codes.
    "soroban": {"c.0": "traps", "d._": "traps", "d.0": "returns-status", "a._": "traps", "a.0": "traps"},
    "near": {"ed25519_verify": "returns-status", "ecrecover": "returns-status"},
    "eosio": {
        "send_inline": "traps",
        "send_context_free_inline": "traps",
        "require_auth": "traps",
        "require_auth2": "traps",
        "require_recipient": "traps",
        "eosio_assert": "traps",
        "eosio_assert_message": "traps",
        "eosio_assert_code": "traps",
        "assert_sha256": "traps",
        "assert_sha1": "traps",
        "assert_sha512": "traps",
        "assert_ripemd160": "traps",
        "assert_recover_key": "traps",
        "check_transaction_authorization": "returns-status",
        "check_permission_authorization": "returns-status",
        "verify_rsa_sha256_sig": "returns-status",
    },
    "cosmwasm": {
        n: "returns-status"
        for n in (
            "secp256k1_verify secp256k1_recover_pubkey secp256r1_verify secp256r1_recover_pubkey "
            "ed25519_verify ed25519_batch_verify addr_validate addr_canonicalize addr_humanize"
        ).split()
    },
    "ink": {f"seal{v}.{n}": "returns-status" for v in (0, 1, 2) for n in INK_STATUS},
    "stylus": {
        n: "returns-status"
        for n in "call_contract delegate_call_contract static_call_contract create1 create2".split()
    },
    "ewasm": {n: "returns-status" for n in "call callCode callDelegate callStatic create transfer".split()},
}

ON_FAILURE_NOTES = {
    "multiversx": [
        "on_failure: mx-chain-vm-go vmhooks (baseOps.go, managedei.go, cryptoei.go) call FailExecution (or WithFault with BaseOpsErrorShouldFailExecution / SyncExecAPIErrorShouldFailExecution / CryptoAPIErrorShouldFailExecution, all `return true` in vmhost/contexts/runtime.go) when a transfer, a synchronous execute, a create/deploy/upgrade or a signature check fails, so the transaction stops: the i32 result is never seen as an error code. managedMultiTransferESDTNFTExecuteWithReturn calls TransferESDTNFTExecuteWithTypedArgsWithFailure(..., false) and returns the status instead; managedExecuteOnDestContextWithErrorReturn is its synchronous-call counterpart (Barnard release, EI 1.5).",
    ],
    "soroban": [
        "on_failure: env.json gives verify_sig_ed25519 and require_auth(_for_args) a Void result and documents that they trap; call traps when the callee fails, try_call returns the callee's Error instead.",
    ],
    "near": [
        "on_failure: imports.rs declares ed25519_verify and ecrecover with a u64 result; nearcore's logic returns 0 for a signature that does not verify (host errors only for malformed lengths), so the verdict must be checked.",
    ],
    "eosio": [
        "on_failure: send_inline and require_recipient schedule actions whose failure aborts the whole transaction; require_auth, eosio_assert* and assert_* throw from the intrinsic (eosio_assert_message_exception / missing_auth_exception / crypto_api_exception). check_*_authorization return a bool; the WAX/EOSIO-Taurus verify_rsa_sha256_sig returns 1 for a valid signature and 0 otherwise.",
    ],
    "cosmwasm": [
        "on_failure: packages/vm/src/imports.rs do_secp256k1_verify / do_ed25519_verify (and the recover/batch/r1 variants) map a bad signature to SECP256K1_VERIFY_CODE_INVALID (1) and malformed input to CryptoError::code(), returned to the contract; do_addr_* return a region with the error message instead of failing.",
    ],
    "ink": [
        "on_failure: pallet-contracts runtime.rs returns ReturnErrorCode from call, delegate_call, instantiate, transfer, sr25519_verify, ecdsa_recover, ecdsa_to_eth_address, call_runtime, xcm_execute, xcm_send and set_code_hash; the caller must check it.",
    ],
    "stylus": [
        "on_failure: nitro arbitrator/stylus native.rs: call_contract, delegate_call_contract and static_call_contract return a u8 status (0 success); create1/create2 write the zero address on failure.",
    ],
    "ewasm": [
        "on_failure: eth_interface.md: call, callCode, callDelegate, callStatic and create return 0 on success, 1 on failure and 2 on revert; transfer returns 0 or 1.",
    ],
}


def read_list(path):
    """(entries, complete, header) of one list file; entries are (module, name, function|None)."""
    entries, header = [], []
    complete = False
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                continue
            if line.startswith("#"):
                header.append(line)
                if line.lower().startswith("# complete: yes"):
                    complete = True
                continue
            parts = line.split()
            module, _, name = parts[0].partition(".")
            entries.append((module, name, parts[1] if len(parts) > 1 else None))
    return entries, complete, header


def resolves(index, prefixes, module, name):
    """Whether (module, name) is already in the model, with its optional name prefixes."""
    if (module, name) in index:
        return True
    for p in prefixes:
        other = name[len(p):] if name.startswith(p) and len(name) > len(p) else p + name
        if (module, other) in index:
            return True
    return False


def dump(entry):
    return json.dumps(entry, ensure_ascii=False)


def failure_key(platform, entry):
    if platform in ("soroban", "ink"):
        return f"{entry['module']}.{entry['name']}"
    return entry["name"]


def list_source_line(platform, header):
    first = next((h[len("# source: "):] for h in header if h.startswith("# source: ")), "")
    repo = " ".join(first.split()[:2]).rstrip(",")
    return (f"{repo} (every name in crates/platform/models/imports/{platform}.txt, merged by "
            "gen_imports.py; the file's header names the path and commit read)")


def insert_strings(text, key, strings):
    """Prepend strings to the top-level array `key` of a model file, keeping its layout."""
    for s in strings:
        if json.dumps(s, ensure_ascii=False) in text:
            continue
        marker = f'  "{key}": [\n'
        if marker not in text:
            raise SystemExit(f"no multi-line {key} array")
        text = text.replace(marker, marker + "    " + json.dumps(s, ensure_ascii=False) + ",\n", 1)
    return text


def merge(platform, check):
    model_path = os.path.join(HERE, f"{platform}.json")
    entries, _complete, header = read_list(os.path.join(LISTS, f"{platform}.txt"))
    text = open(model_path, encoding="utf-8").read()
    model = json.loads(text)
    prefixes = model.get("aliases", {}).get("optional_name_prefixes", [])

    lines = text.split("\n")
    start = lines.index('  "host": [') + 1
    end = start
    while lines[end].strip() != "]":
        end += 1
    host = [json.loads(l.strip().rstrip(",")) for l in lines[start:end]]
    index = {(h["module"], h["name"]) for h in host}

    added = 0
    for module, name, function in entries:
        if resolves(index, prefixes, module, name):
            continue
        effects, args = NEW_EFFECTS.get(platform, {}).get(name, ([], None))
        entry = {"module": module, "name": name}
        if function:
            entry["function"] = function
        entry["effects"] = list(effects)
        if args:
            entry["args"] = dict(args)
        host.append(entry)
        index.add((module, name))
        added += 1

    failures = ON_FAILURE.get(platform, {})
    for h in host:
        value = failures.get(failure_key(platform, h))
        if value:
            h["on_failure"] = value

    body = [("    " + dump(h) + ("," if i + 1 < len(host) else "")) for i, h in enumerate(host)]
    new_text = "\n".join(lines[:start] + body + lines[end:])
    new_text = insert_strings(new_text, "sources", [list_source_line(platform, header)])
    new_text = insert_strings(new_text, "notes", ON_FAILURE_NOTES.get(platform, []))
    json.loads(new_text)  # still valid JSON

    changed = new_text != text
    if changed and not check:
        with open(model_path, "w", encoding="utf-8") as f:
            f.write(new_text)
    print(f"{platform}: {len(entries)} listed, {len(model['host'])} -> {len(host)} host entries"
          f" ({added} added){' [out of date]' if changed and check else ''}")
    return changed


def main():
    check = "--check" in sys.argv[1:]
    platforms = sorted(f[:-4] for f in os.listdir(LISTS) if f.endswith(".txt"))
    stale = [p for p in platforms if merge(p, check)]
    if check and stale:
        print("run crates/platform/models/gen_imports.py to update: " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
