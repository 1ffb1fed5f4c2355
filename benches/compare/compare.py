#!/usr/bin/env python3
"""Driver of benches/compare/run.sh: hashport against peers, interleaved.

For each round and each case it runs hashport's measurement and the peer's back to
back (ours, peer, ours, peer, ...), so both see the same machine load; the table
gives the median rate of each over the rounds and the median of the per-round
ratios ours/peer. Environment (set by run.sh): HASHPORT, BCRYPT_C, ROUNDS,
BENCH_SECONDS, OUT_JSON.
"""

import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
HASHPORT = os.environ["HASHPORT"]
BCRYPT_C = os.environ["BCRYPT_C"]
ROUNDS = int(os.environ.get("ROUNDS", "5"))
SECS = float(os.environ.get("BENCH_SECONDS", "4"))
OUT_JSON = os.environ.get("OUT_JSON")


def run_json(cmd, env=None):
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=full_env).stdout
    return json.loads(out.strip().splitlines()[-1])


def ours(case, threads=1, rayon_threads=None):
    """hashport bench for one case: (1-thread rate, all-threads rate)."""
    env = {"RAYON_NUM_THREADS": str(rayon_threads)} if rayon_threads else None
    d = run_json(
        [HASHPORT, "bench", "--json", "--threads", str(threads), "--migrate-rows", "0",
         "--seconds", str(SECS), "--scheme", case],
        env,
    )
    h = d["hashing"][0]
    return h["per_sec_1_thread"], h["per_sec_all_threads"]


def libxcrypt(prefix, cost):
    return run_json([BCRYPT_C, prefix, str(cost), str(SECS)])["per_sec"]


def libxcrypt_two_processes(prefix, cost):
    """Two single-threaded libxcrypt processes at once: the machine's own 2-core scaling."""
    cmd = [BCRYPT_C, prefix, str(cost), str(SECS)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    total = 0.0
    for p in procs:
        out, _ = p.communicate()
        if p.returncode != 0:
            raise RuntimeError(f"{cmd} failed")
        total += json.loads(out.strip().splitlines()[-1])["per_sec"]
    return total


def python_peer(case):
    return run_json([sys.executable, os.path.join(HERE, "peers.py"), case, str(SECS)])["per_sec"]


# (label, ours() thunk, peer label, peer() thunk, target ratio or None)
# argon2: RAYON_NUM_THREADS=1 keeps hashport's lanes on one thread (the argon2 crate's
# `parallel` feature would otherwise spread them over the cores), against libargon2 with
# threads=1: per-core work. The "-lanes" row lets both use threads for p=4 (latency).
CASES = [
    ("bcrypt-10", lambda: ours("bcrypt-10")[0],
     "libxcrypt crypt_rn $2b$", lambda: libxcrypt("$2b$", 10), 1.0),
    ("bcrypt-12", lambda: ours("bcrypt-12")[0],
     "libxcrypt crypt_rn $2b$", lambda: libxcrypt("$2b$", 12), 1.0),
    ("argon2id-19m", lambda: ours("argon2id-19m", rayon_threads=1)[0],
     "argon2-cffi, 1 thread", lambda: python_peer("argon2id-19m"), 1.0),
    ("argon2id-64m", lambda: ours("argon2id-64m", rayon_threads=1)[0],
     "argon2-cffi, 1 thread", lambda: python_peer("argon2id-64m"), 1.0),
    ("argon2id-64m lanes", lambda: ours("argon2id-64m")[0],
     "argon2-cffi, 4 threads", lambda: python_peer("argon2id-64m-4t"), None),
    ("scrypt-15", lambda: ours("scrypt-15")[0],
     "hashlib.scrypt (OpenSSL)", lambda: python_peer("scrypt-15"), 1.0),
    ("pbkdf2-sha256-600k", lambda: ours("pbkdf2-sha256-600k")[0],
     "hashlib.pbkdf2_hmac (OpenSSL)", lambda: python_peer("pbkdf2-sha256-600k"), 1.0),
    ("sha512-crypt-5000", lambda: ours("sha512-crypt-5000")[0],
     "libxcrypt crypt_rn $6$", lambda: libxcrypt("$6$", 5000), None),
]


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def main():
    started = time.time()
    load_start = loadavg()
    print(
        f"hashport vs peers: {ROUNDS} rounds x {SECS:g} s per measurement, one thread each "
        f"unless noted; {os.cpu_count()} cores ({cpu_model()}), load average {load_start}",
        file=sys.stderr,
    )
    rates = {c[0]: {"ours": [], "peer": [], "ratio": []} for c in CASES}
    scaling = {"ours": [], "libxcrypt": [], "ours_vs_libxcrypt": []}
    for rnd in range(1, ROUNDS + 1):
        for name, ours_fn, _, peer_fn, _ in CASES:
            o = ours_fn()
            p = peer_fn()
            r = rates[name]
            r["ours"].append(o)
            r["peer"].append(p)
            r["ratio"].append(o / p)
            print(f"  round {rnd} {name:<20} ours {o:9.2f}/s  peer {p:9.2f}/s  ratio {o / p:.3f}",
                  file=sys.stderr)
        # bcrypt scaling: hashport's own 1-thread and 2-thread runs (back to back in one
        # process), then libxcrypt one process and two at once: what the machine allows
        # right now, since a busy second core caps both.
        one, two = ours("bcrypt-10", threads=2)
        c_one = libxcrypt("$2b$", 10)
        c_two = libxcrypt_two_processes("$2b$", 10)
        scaling["ours"].append(two / one)
        scaling["libxcrypt"].append(c_two / c_one)
        scaling["ours_vs_libxcrypt"].append((two / one) / (c_two / c_one))
        print(f"  round {rnd} bcrypt-10 scaling     ours {two / one:.3f}x  libxcrypt {c_two / c_one:.3f}x"
              f"  (load {loadavg()})", file=sys.stderr)

    med = statistics.median
    lines = []
    lines.append(
        f"{'case':<20} {'ours/s':>9} {'peer':<30} {'peer/s':>9} {'ours/peer':>10} {'target':>7}  met"
    )
    verdicts = {}
    for name, _, peer_label, _, target in CASES:
        r = rates[name]
        ratio = med(r["ratio"])
        met = "-" if target is None else ("yes" if ratio >= target else "NO")
        verdicts[name] = met
        lines.append(
            f"{name:<20} {med(r['ours']):9.2f} {peer_label:<30} {med(r['peer']):9.2f} "
            f"{ratio:9.3f}x {('>=%.1fx' % target) if target else '':>7}  {met}"
        )
    so, sc = med(scaling["ours"]), med(scaling["libxcrypt"])
    lines.append(
        f"{'bcrypt-10 2 threads':<20} {'':>9} {'(2 threads / 1 thread)':<30} {'':>9} "
        f"{so:9.3f}x {'>=1.9x':>7}  {'yes' if so >= 1.9 else 'NO'}"
    )
    lines.append(
        f"{'  same, libxcrypt':<20} {'':>9} {'(2 processes / 1 process)':<30} {'':>9} {sc:9.3f}x"
    )
    lines.append(
        f"{'  ours / libxcrypt':<20} {'':>9} {'(scaling vs scaling, per round)':<30} {'':>9} "
        f"{med(scaling['ours_vs_libxcrypt']):9.3f}x"
    )
    elapsed = time.time() - started
    footer = (
        f"Medians of {ROUNDS} interleaved rounds (ours, peer, ours, peer, ...), {SECS:g} s per "
        f"measurement; ratio = median of the per-round ratios. The machine is shared (other "
        f"jobs may be compiling or fuzzing: load average {load_start} at the start, "
        f"{loadavg()} at the end), hence the interleaving and medians: read the ratios, not "
        f"the absolute rates. {elapsed / 60:.1f} min."
    )
    print()
    print("\n".join(lines))
    print()
    print(footer)
    if OUT_JSON:
        os.makedirs(os.path.dirname(OUT_JSON), exist_ok=True)
        with open(OUT_JSON, "w") as f:
            json.dump(
                {
                    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                    "rounds": ROUNDS, "seconds": SECS, "cpu": cpu_model(), "cores": os.cpu_count(),
                    "load_start": load_start, "load_end": loadavg(),
                    "cases": rates, "bcrypt_scaling": scaling, "table": lines,
                },
                f,
                indent=1,
            )
        print(f"raw results: {OUT_JSON}", file=sys.stderr)


if __name__ == "__main__":
    main()
