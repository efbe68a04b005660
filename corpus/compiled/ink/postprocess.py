#!/usr/bin/env python3
"""What cargo-contract's post-processing does to an ink! 5 Wasm contract
before wasm-opt: keep only the `call` and `deploy` exports (drops memcpy,
__heap_base, ... that rustc exports), cap the imported memory at 16 pages
when no maximum is given, and drop custom sections except `name` (which we
keep on purpose, like `cargo contract build --keep-debug-symbols`)."""
import sys

KEEP_EXPORTS = {b"call", b"deploy"}
MAX_PAGES = 16


def leb(b, i):
    r = s = 0
    while True:
        c = b[i]
        i += 1
        r |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return r, i


def enc(n):
    out = bytearray()
    while True:
        c = n & 0x7F
        n >>= 7
        if n:
            out.append(c | 0x80)
        else:
            out.append(c)
            return bytes(out)


def vec(items):
    return enc(len(items)) + b"".join(items)


def name_at(b, i):
    n, i = leb(b, i)
    return b[i : i + n], i + n


def rewrite_imports(body):
    cnt, i = leb(body, 0)
    items = []
    for _ in range(cnt):
        start = i
        _, i = name_at(body, i)
        field, i = name_at(body, i)
        kind = body[i]
        i += 1
        if kind == 0:
            _, i = leb(body, i)
            items.append(body[start:i])
        elif kind == 1:
            i += 1
            flags = body[i]
            i += 1
            _, i = leb(body, i)
            if flags & 1:
                _, i = leb(body, i)
            items.append(body[start:i])
        elif kind == 2:
            head = body[start : i]
            flags = body[i]
            i += 1
            minimum, i = leb(body, i)
            maximum = None
            if flags & 1:
                maximum, i = leb(body, i)
            if maximum is None:
                maximum = max(MAX_PAGES, minimum)
            items.append(head + b"\x01" + enc(minimum) + enc(maximum))
        elif kind == 3:
            i += 2
            items.append(body[start:i])
        else:
            raise SystemExit(f"unknown import kind {kind}")
    return vec(items)


def rewrite_exports(body):
    cnt, i = leb(body, 0)
    items = []
    for _ in range(cnt):
        start = i
        field, i = name_at(body, i)
        i += 1
        _, i = leb(body, i)
        if field in KEEP_EXPORTS:
            items.append(body[start:i])
    return vec(items)


def main(src, dst):
    b = open(src, "rb").read()
    out = bytearray(b[:8])
    i = 8
    while i < len(b):
        sid = b[i]
        n, j = leb(b, i + 1)
        body = b[j : j + n]
        i = j + n
        if sid == 0:
            cname, _ = name_at(body, 0)
            if cname != b"name":
                continue
        elif sid == 2:
            body = rewrite_imports(body)
        elif sid == 7:
            body = rewrite_exports(body)
        out += bytes([sid]) + enc(len(body)) + body
    open(dst, "wb").write(out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
