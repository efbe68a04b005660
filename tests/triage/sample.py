#!/usr/bin/env python3
"""Draw the triage sample from a wasmaudit JSON report (Python 3 stdlib only).

usage: python3 tests/triage/sample.py REPORT.json [N] > sample.tsv
       python3 tests/triage/sample.py --uniform SEED REPORT.json N > sample.tsv


- A finding is one entry per (sha256, detector name, function); the first occurrence in the
  report represents it (its offset/instruction/message are printed).
- Stratified by class: every class with findings gets min(3, entries); the remaining slots up to
  N are shared in proportion to each class's remaining entries (largest remainder).
- Within a class, entries are grouped by platform; each platform group is shuffled and the
  platforms are visited round-robin (platform order shuffled), so small platforms are drawn first.
- No more than 3 entries are taken from one file (across all classes).
- Fixed seed 20261206, so the draw is reproducible.

With `--uniform SEED` the draw is a plain random sample of N entries (seeded), every entry as
likely as any other and at most 3 from one file: the precision of that sample estimates the
precision a user meets, where the stratified draw over-represents small classes.
"""
import json
import random
import sys
from collections import OrderedDict, defaultdict

SEED = 20261206
PER_FILE_CAP = 3
MIN_PER_CLASS = 3


def main():
    uniform_seed = None
    if len(sys.argv) > 2 and sys.argv[1] == "--uniform":
        uniform_seed = int(sys.argv[2])
        del sys.argv[1:3]
    report = sys.argv[1] if len(sys.argv) > 1 else "/tmp/base/corpus.json"
    n_total = int(sys.argv[2]) if len(sys.argv) > 2 else 88
    data = json.load(open(report))
    entries = OrderedDict()
    for f in data["files"]:
        for x in f.get("findings") or []:
            key = (f["sha256"], x["name"], x["function"])
            if key not in entries:
                path = f["path"].split("shared/corpus/", 1)[-1]
                entries[key] = dict(sha256=f["sha256"], path=path, platform=f["platform"],
                                    detector=x["name"], cls=x["class"], function=x["function"],
                                    offset=x.get("offset"), instruction=x.get("instruction", ""),
                                    message=x.get("message", ""))
    if uniform_seed is not None:
        rng = random.Random(uniform_seed)
        pool = [entries[k] for k in sorted(entries)]
        rng.shuffle(pool)
        per_file = defaultdict(int)
        chosen = []
        for e in pool:
            if len(chosen) >= n_total:
                break
            if per_file[e["path"]] >= PER_FILE_CAP:
                continue
            per_file[e["path"]] += 1
            chosen.append(e)
        return emit(chosen, len(entries), "uniform")
    by_class = defaultdict(list)
    for key in sorted(entries):
        by_class[entries[key]["cls"]].append(entries[key])
    classes = sorted(by_class)

    # allocation
    alloc = {c: min(MIN_PER_CLASS, len(by_class[c])) for c in classes}
    rest = n_total - sum(alloc.values())
    spare = {c: len(by_class[c]) - alloc[c] for c in classes}
    tot = sum(spare.values())
    if rest > 0 and tot > 0:
        quotas = {c: rest * spare[c] / tot for c in classes}
        extra = {c: min(int(quotas[c]), spare[c]) for c in classes}
        left = rest - sum(extra.values())
        for c in sorted(classes, key=lambda c: (-(quotas[c] - int(quotas[c])), c)):
            if left <= 0:
                break
            if extra[c] < spare[c]:
                extra[c] += 1
                left -= 1
        for c in classes:
            alloc[c] += extra[c]

    rng = random.Random(SEED)
    per_file = defaultdict(int)
    chosen = []
    for c in classes:
        groups = defaultdict(list)
        for e in by_class[c]:
            groups[e["platform"]].append(e)
        plats = sorted(groups)
        for p in plats:
            rng.shuffle(groups[p])
        rng.shuffle(plats)
        order = []
        while any(groups[p] for p in plats):
            for p in plats:
                if groups[p]:
                    order.append(groups[p].pop(0))
        got = 0
        for e in order:
            if got >= alloc[c]:
                break
            if per_file[e["path"]] >= PER_FILE_CAP:
                continue
            per_file[e["path"]] += 1
            chosen.append(e)
            got += 1
    return emit(chosen, len(entries), f"alloc {alloc}")


def emit(chosen, n_entries, how):
    chosen.sort(key=lambda e: (e["path"], e["detector"], e["function"]))
    cols = ["sha256", "path", "platform", "cls", "detector", "function", "offset", "instruction", "message"]
    print("\t".join(cols))
    for e in chosen:
        print("\t".join(str(e[k]).replace("\t", " ").replace("\n", " ") for k in cols))
    print(f"# {len(chosen)} entries of {n_entries}; {how}", file=sys.stderr)


if __name__ == "__main__":
    main()
