#!/usr/bin/env python3
"""Regenerate the committed seed corpus in fuzz/corpus/ from fixtures/vectors.json and
`hashport formats --json` (one example per format, in registry order).

    cargo run -q -- formats --json > /tmp/formats.jsonl
    python3 fuzz/seeds/make_seeds.py /tmp/formats.jsonl

Seeds get readable names (e.g. `v-bcrypt-002`), which fuzz/.gitignore does not
ignore; corpus growth from runs goes to /tmp/fuzzcorpus/<target>.
"""
import json
import os
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    formats = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
    order = [f["format"] for f in formats]
    vectors = json.load(open(os.path.join(ROOT, "fixtures", "vectors.json")))

    # Up to 100 vectors: every format's first vector first, then round-robin.
    by_fmt = {}
    for v in vectors:
        by_fmt.setdefault(v["format"], []).append(v)
    picked, depth = [], 0
    while len(picked) < 100 and any(len(l) > depth for l in by_fmt.values()):
        for f in sorted(by_fmt):
            if len(by_fmt[f]) > depth and len(picked) < 100:
                picked.append(by_fmt[f][depth])
        depth += 1

    def pw(v):
        if v.get("password") is not None:
            return v["password"].encode()
        return bytes.fromhex(v.get("password_hex") or "")

    targets = ["identify_parse", "parse_with_hint", "verify_capped", "readers", "pipeline"]
    for t in targets:
        d = os.path.join(CORPUS, t)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)

    def put(t, name, data):
        with open(os.path.join(CORPUS, t, name), "wb") as f:
            f.write(data)

    for v in picked:
        h = v["hash"].encode()
        idx = order.index(v["format"]) if v["format"] in order else 255
        p = pw(v)[:255]
        put("identify_parse", "v-" + v["id"], h)
        put("parse_with_hint", "v-" + v["id"], bytes([idx]) + h)
        put("verify_capped", "v-" + v["id"], bytes([255, len(p)]) + p + h)
    for i, f in enumerate(formats):
        ex = f["example"].encode()
        put("identify_parse", "ex-" + f["format"], ex)
        put("parse_with_hint", "ex-" + f["format"], bytes([i]) + ex)
        put("verify_capped", "ex-" + f["format"], bytes([i, 8]) + b"password" + ex)

    # Exports: the repo's sample CSVs plus hand-written small files in seeds/.
    exports = {
        "sample-export.csv": open(os.path.join(ROOT, "fixtures", "sample-export.csv"), "rb").read(),
        "sample-credentials.csv": open(os.path.join(ROOT, "fixtures", "sample-credentials.csv"), "rb").read(),
    }
    for n in sorted(os.listdir(HERE)):
        if n.startswith("export"):
            exports[n] = open(os.path.join(HERE, n), "rb").read()
    import gzip
    exports["export-gzip.csv.gz"] = gzip.compress(exports["sample-export.csv"], mtime=0)
    for n, data in exports.items():
        put("readers", n, data)
        # pipeline: byte 0 = name (bits 0-1: csv, jsonl, json, sniff), target, preset.
        ext = n.removesuffix(".gz").rsplit(".", 1)[-1]
        sel = {"csv": 0, "jsonl": 1, "json": 2}.get(ext, 3)
        put("pipeline", n + ".clerk", bytes([sel]) + data)
        put("pipeline", n + ".native", bytes([sel | 4]) + data)
        put("pipeline", n + ".sniff", bytes([3 | 0x20]) + data)


if __name__ == "__main__":
    main()
