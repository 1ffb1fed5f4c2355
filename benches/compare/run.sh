#!/usr/bin/env bash
# hashport against peer implementations, one thread each, interleaved rounds.
#
#   benches/compare/run.sh                 # 5 rounds x 4 s per measurement (~10 min)
#   ROUNDS=3 SECONDS=2 benches/compare/run.sh
#
# Peers: libxcrypt's crypt_rn (bcrypt $2b$, sha512crypt $6$) from a small C program,
# argon2-cffi (libargon2) and Python's hashlib (OpenSSL: scrypt, PBKDF2-HMAC-SHA256).
# Installs what it needs (Debian libcrypt-dev and whois for mkpasswd, pip argon2-cffi),
# builds target/release/hashport and target/compare/bcrypt_c, cross-checks that the
# peers and hashport agree on a hash, then runs compare.py. Raw results:
# target/compare/last.json.

# SECONDS is bash's own clock: read the caller's value from the environment, untouched.
PER_SECONDS=$(printenv SECONDS || true)
PER_SECONDS=${BENCH_SECONDS:-${PER_SECONDS:-4}}
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
ROUNDS=${ROUNDS:-5}
OUT=target/compare
mkdir -p "$OUT"

say() { printf '== %s\n' "$*" >&2; }

# --- what the peers need -------------------------------------------------------
need_apt=()
[[ -e /usr/include/crypt.h ]] || need_apt+=(libcrypt-dev)
command -v mkpasswd >/dev/null 2>&1 || need_apt+=(whois)
command -v cc >/dev/null 2>&1 || need_apt+=(gcc)
if ((${#need_apt[@]})); then
  say "installing ${need_apt[*]}"
  SUDO=
  [[ $(id -u) -eq 0 ]] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
PY=${PYTHON:-python3}
if ! "$PY" -c 'import argon2.low_level' 2>/dev/null; then
  say "installing argon2-cffi"
  "$PY" -m pip install --quiet argon2-cffi
fi

# --- build -----------------------------------------------------------------------
say "building hashport (release)"
cargo build --release --quiet
HASHPORT=$ROOT/target/release/hashport
say "building bcrypt_c"
cc -O2 -Wall -o "$OUT/bcrypt_c" "$HERE/bcrypt_c.c" -lcrypt

# --- same algorithms? ------------------------------------------------------------
# libxcrypt's hashes (through mkpasswd) must verify in hashport, and the peers.py
# argon2 one-thread path must give libargon2's usual output.
check() {
  local h=$1
  if ! printf 'benchmark password' | "$HASHPORT" verify --digest "$h" >/dev/null; then
    echo "hashport does not verify libxcrypt's $h" >&2
    exit 1
  fi
}
check "$(mkpasswd -m bcrypt -R 5 'benchmark password')"
check "$(mkpasswd -m sha512crypt -R 5000 'benchmark password')"
"$PY" - "$HERE" <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
import peers
assert peers.argon2_one_thread(256, 2, 4)() == peers.argon2_cffi_default(256, 2, 4)()
EOF

# --- measure ---------------------------------------------------------------------
say "measuring: $ROUNDS rounds x ${PER_SECONDS} s per measurement"
HASHPORT=$HASHPORT BCRYPT_C=$ROOT/$OUT/bcrypt_c ROUNDS=$ROUNDS BENCH_SECONDS=$PER_SECONDS \
  OUT_JSON=$ROOT/$OUT/last.json "$PY" "$HERE/compare.py"
