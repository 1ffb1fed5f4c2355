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
import math
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


def spawn(cmd, env=None):
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=full_env)


def reap(proc):
    """The child's last JSON line and its CPU seconds (user + system, all threads)."""
    out = proc.stdout.read()
    _, status, ru = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{proc.args} exited with {proc.returncode}")
    return json.loads(out.strip().splitlines()[-1]), ru.ru_utime + ru.ru_stime


def hashport_cmd(case, threads):
    return [HASHPORT, "bench", "--json", "--threads", str(threads), "--migrate-rows", "0",
            "--seconds", str(SECS), "--scheme", case]


def hashport_result(d, cpu):
    h = d["hashing"][0]
    one = h["per_sec_1_thread"]
    # bench's loop stops at the first call ending after SECS: n = ceil(rate * SECS).
    n = math.ceil(one * SECS - 1e-6)
    return {"per_sec": one, "per_cpu_sec": n / cpu, "all_threads": h["per_sec_all_threads"]}


def ours(case, threads=1, rayon_threads=None):
    """hashport bench for one case: rate on one thread (wall and per CPU second)."""
    env = {"RAYON_NUM_THREADS": str(rayon_threads)} if rayon_threads else None
    return hashport_result(*reap(spawn(hashport_cmd(case, threads), env)))


def peer_result(d):
    return {"per_sec": d["per_sec"], "per_cpu_sec": d["per_cpu_sec"]}


def libxcrypt(prefix, cost):
    d, _ = reap(spawn([BCRYPT_C, prefix, str(cost), str(SECS)]))
    return peer_result(d)


def python_peer(case):
    d, _ = reap(spawn([sys.executable, os.path.join(HERE, "peers.py"), case, str(SECS)]))
    return peer_result(d)


def two_at_once(cmds, result):
    """Two single-threaded processes at once: summed wall rate and summed CPU rate."""
    procs = [spawn(c) for c in cmds]
    rs = [result(*reap(p)) for p in procs]
    # Per CPU second over both: total hashes / total CPU.
    n = [r["per_sec"] * SECS for r in rs]
    cpu = [ni / r["per_cpu_sec"] for ni, r in zip(n, rs)]
    return {"per_sec": sum(r["per_sec"] for r in rs), "per_cpu_sec": sum(n) / sum(cpu)}


# (label, ours() thunk, peer label, peer() thunk, target ratio or None)
# argon2: RAYON_NUM_THREADS=1 keeps hashport's lanes on one thread (the argon2 crate's
# `parallel` feature would otherwise spread them over the cores), against libargon2 with
# threads=1: per-core work. The "-lanes" row lets both use threads for p=4 (latency).
CASES = [
    ("bcrypt-10", lambda: ours("bcrypt-10"),
     "libxcrypt crypt_rn $2b$", lambda: libxcrypt("$2b$", 10), 1.0),
    ("bcrypt-12", lambda: ours("bcrypt-12"),
     "libxcrypt crypt_rn $2b$", lambda: libxcrypt("$2b$", 12), 1.0),
    ("argon2id-19m", lambda: ours("argon2id-19m", rayon_threads=1),
     "argon2-cffi, 1 thread", lambda: python_peer("argon2id-19m"), 1.0),
    ("argon2id-64m", lambda: ours("argon2id-64m", rayon_threads=1),
     "argon2-cffi, 1 thread", lambda: python_peer("argon2id-64m"), 1.0),
    ("argon2id-64m lanes", lambda: ours("argon2id-64m"),
     "argon2-cffi, 4 threads", lambda: python_peer("argon2id-64m-4t"), None),
    ("scrypt-15", lambda: ours("scrypt-15"),
     "hashlib.scrypt (OpenSSL)", lambda: python_peer("scrypt-15"), 1.0),
    ("pbkdf2-sha256-600k", lambda: ours("pbkdf2-sha256-600k"),
     "hashlib.pbkdf2_hmac (OpenSSL)", lambda: python_peer("pbkdf2-sha256-600k"), 1.0),
    ("sha512-crypt-5000", lambda: ours("sha512-crypt-5000"),
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
    rates = {c[0]: {"ours": [], "peer": [], "ratio": [], "cpu_ratio": []} for c in CASES}
    scaling = {k: [] for k in ("ours", "libxcrypt", "ours_cpu", "libxcrypt_cpu")}
    for rnd in range(1, ROUNDS + 1):
        for name, ours_fn, _, peer_fn, _ in CASES:
            o = ours_fn()
            p = peer_fn()
            r = rates[name]
            r["ours"].append(o["per_sec"])
            r["peer"].append(p["per_sec"])
            r["ratio"].append(o["per_sec"] / p["per_sec"])
            r["cpu_ratio"].append(o["per_cpu_sec"] / p["per_cpu_sec"])
            print(f"  round {rnd} {name:<20} ours {o['per_sec']:9.2f}/s  peer {p['per_sec']:9.2f}/s"
                  f"  ratio {r['ratio'][-1]:.3f}  per CPU-s {r['cpu_ratio'][-1]:.3f}", file=sys.stderr)
        # bcrypt-10 on two cores. Wall: hashport's own 1-thread then 2-thread run (one
        # process, back to back), and libxcrypt's one process then two at once. A second
        # core busy with someone else's job caps both, so also per CPU second: two
        # hashport (libxcrypt) processes at once against one alone, which is 1.0 when
        # running two costs each nothing extra (no shared state, no cache fight).
        o2 = ours("bcrypt-10", threads=2)
        o_one = ours("bcrypt-10")
        o_two = two_at_once([hashport_cmd("bcrypt-10", 1)] * 2, hashport_result)
        c_one = libxcrypt("$2b$", 10)
        c_two = two_at_once([[BCRYPT_C, "$2b$", "10", str(SECS)]] * 2,
                            lambda d, _cpu: peer_result(d))
        scaling["ours"].append(o2["all_threads"] / o2["per_sec"])
        scaling["libxcrypt"].append(c_two["per_sec"] / c_one["per_sec"])
        scaling["ours_cpu"].append(o_two["per_cpu_sec"] / o_one["per_cpu_sec"])
        scaling["libxcrypt_cpu"].append(c_two["per_cpu_sec"] / c_one["per_cpu_sec"])
        print(f"  round {rnd} bcrypt-10 2 cores     ours {scaling['ours'][-1]:.3f}x"
              f"  libxcrypt {scaling['libxcrypt'][-1]:.3f}x; per CPU-s ours"
              f" {scaling['ours_cpu'][-1]:.3f} libxcrypt {scaling['libxcrypt_cpu'][-1]:.3f}"
              f"  (load {loadavg()})", file=sys.stderr)

    med = statistics.median
    lines = []
    lines.append(
        f"{'case':<20} {'ours/s':>9} {'peer':<30} {'peer/s':>9} {'ours/peer':>10} "
        f"{'per CPU-s':>10} {'target':>7}  met"
    )
    for name, _, peer_label, _, target in CASES:
        r = rates[name]
        ratio = med(r["ratio"])
        met = "-" if target is None else ("yes" if ratio >= target else "NO")
        lines.append(
            f"{name:<20} {med(r['ours']):9.2f} {peer_label:<30} {med(r['peer']):9.2f} "
            f"{ratio:9.3f}x {med(r['cpu_ratio']):9.3f}x "
            f"{('>=%.1fx' % target) if target else '':>7}  {met}"
        )
    so = med(scaling["ours"])
    lines.append("")
    lines.append(f"{'bcrypt-10, 2 cores':<20} {'wall speedup':>22} {'per CPU-s, 2 vs 1':>20}")
    lines.append(
        f"{'hashport':<20} {so:21.3f}x {med(scaling['ours_cpu']):19.3f}x"
        f"   2 threads / 1 thread; target >=1.9x: {'yes' if so >= 1.9 else 'NO'}"
    )
    lines.append(
        f"{'libxcrypt':<20} {med(scaling['libxcrypt']):21.3f}x "
        f"{med(scaling['libxcrypt_cpu']):19.3f}x   2 processes / 1 process"
    )
    elapsed = time.time() - started
    footer = (
        f"Medians of {ROUNDS} interleaved rounds (ours, peer, ours, peer, ...), {SECS:g} s per "
        f"measurement; ratio = median of the per-round ratios; 'per CPU-s' compares "
        f"verifications per CPU second of each process instead of per wall second. The "
        f"machine is shared (other "
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
