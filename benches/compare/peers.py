#!/usr/bin/env python3
"""Peers for hashport's bench comparison, one thread each.

    peers.py CASE SECONDS

Prints one JSON line {"case", "peer", "openssl", "n", "per_sec", "cpu", "per_cpu_sec"}:
verifications per second of wall time and per second of this process's CPU time.

Cases (named as in `hashport bench --list`):
  argon2id-19m         argon2-cffi (libargon2), m=19456 t=2 p=1
  argon2id-64m         argon2-cffi, m=65536 t=3 p=4 on ONE thread (argon2_ctx with
                       threads=1: per-core work, the same as hashport's sequential lanes)
  argon2id-64m-4t      argon2-cffi's hash_secret_raw, m=65536 t=3 p=4: libargon2 runs
                       the 4 lanes on 4 threads (latency, not per-core work)
  scrypt-15            hashlib.scrypt (OpenSSL), N=2^15 r=8 p=1
  pbkdf2-sha256-600k   hashlib.pbkdf2_hmac (OpenSSL), sha256, 600000 iterations
"""

import hashlib
import json
import ssl
import sys
import time

PASSWORD = b"benchmark password"
SALT = b"somesalt"


def argon2_one_thread(m, t, p):
    """argon2_ctx with threads=1 (hash_secret_raw always sets threads = lanes)."""
    from argon2.low_level import Type, core, error_to_str, ffi, lib, ARGON2_VERSION

    out = ffi.new("uint8_t[]", 32)
    pwd = ffi.new("uint8_t[]", PASSWORD)
    salt = ffi.new("uint8_t[]", SALT)

    def run():
        ctx = ffi.new(
            "argon2_context *",
            {
                "out": out,
                "outlen": 32,
                "pwd": pwd,
                "pwdlen": len(PASSWORD),
                "salt": salt,
                "saltlen": len(SALT),
                "secret": ffi.NULL,
                "secretlen": 0,
                "ad": ffi.NULL,
                "adlen": 0,
                "t_cost": t,
                "m_cost": m,
                "lanes": p,
                "threads": 1,
                "version": ARGON2_VERSION,
                "allocate_cbk": ffi.NULL,
                "free_cbk": ffi.NULL,
                "flags": lib.ARGON2_DEFAULT_FLAGS,
            },
        )
        rc = core(ctx, Type.ID.value)
        if rc != lib.ARGON2_OK:
            raise RuntimeError(error_to_str(rc))
        return bytes(ffi.buffer(out, 32))

    return run


def argon2_cffi_default(m, t, p):
    from argon2.low_level import Type, hash_secret_raw

    return lambda: hash_secret_raw(PASSWORD, SALT, t, m, p, 32, Type.ID)


CASES = {
    "argon2id-19m": ("argon2-cffi (libargon2) 1 thread", lambda: argon2_one_thread(19456, 2, 1)),
    "argon2id-64m": ("argon2-cffi (libargon2) 1 thread", lambda: argon2_one_thread(65536, 3, 4)),
    "argon2id-64m-4t": ("argon2-cffi hash_secret_raw, 4 threads", lambda: argon2_cffi_default(65536, 3, 4)),
    "scrypt-15": (
        "hashlib.scrypt (OpenSSL)",
        lambda: lambda: hashlib.scrypt(PASSWORD, salt=SALT, n=1 << 15, r=8, p=1, maxmem=64 << 20, dklen=32),
    ),
    "pbkdf2-sha256-600k": (
        "hashlib.pbkdf2_hmac (OpenSSL)",
        lambda: lambda: hashlib.pbkdf2_hmac("sha256", PASSWORD, SALT, 600_000, 32),
    ),
}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in CASES:
        sys.exit(f"usage: peers.py CASE SECONDS   (CASE: {', '.join(CASES)})")
    case, seconds = sys.argv[1], float(sys.argv[2])
    peer, make = CASES[case]
    fn = make()
    fn()  # warm-up (imports, first allocation)
    n = 0
    cpu0 = time.process_time()  # this process's CPU time, all threads
    start = time.perf_counter()
    while True:
        fn()
        n += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            break
    cpu = time.process_time() - cpu0
    print(json.dumps({"case": case, "peer": peer, "openssl": ssl.OPENSSL_VERSION, "n": n,
                      "per_sec": n / elapsed, "cpu": cpu, "per_cpu_sec": n / cpu}))


if __name__ == "__main__":
    main()
