"""Password hashes for the built-in HTTP Basic login: scrypt from the standard library.

A hash is one line, `scrypt$N$r$p$SALT$KEY` (salt and key in base64), so it can be pasted into
the users file as it is. `bestuurszoeker hash-password` prints one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

# scrypt's cost: 16 MB of memory and tens of milliseconds per check, which makes guessing a
# stolen hash slow; the web caches successful checks, so a page costs one check per login.
N, R, P = 2**14, 8, 1
SALT_BYTES, KEY_BYTES = 16, 32
PREFIX = "scrypt"
# Refuse costs that would exhaust memory (scrypt needs 128 * r * N bytes) from a bad file.
_MAX_MEMORY = 256 * 2**20


class BadHash(ValueError):
    """A stored password hash is not of the form this module writes."""


def hash_password(password: str) -> str:
    """A salted scrypt hash of `password`, as one line."""
    salt = os.urandom(SALT_BYTES)
    key = _scrypt(password, salt, N, R, P)
    return "$".join((PREFIX, str(N), str(R), str(P), _b64(salt), _b64(key)))


def check_hash(stored: str) -> None:
    """BadHash unless `stored` is a hash `hash_password` could have written."""
    _parse(stored)


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` matches the stored hash (compared in constant time)."""
    n, r, p, salt, key = _parse(stored)
    return hmac.compare_digest(_scrypt(password, salt, n, r, p, len(key)), key)


def _parse(stored: str) -> tuple[int, int, int, bytes, bytes]:
    parts = stored.split("$")
    try:
        if len(parts) != 6 or parts[0] != PREFIX:
            raise ValueError
        n, r, p = (int(x) for x in parts[1:4])
        salt, key = base64.b64decode(parts[4], validate=True), base64.b64decode(
            parts[5], validate=True)
    except ValueError:
        raise BadHash(
            "not a password hash from `bestuurszoeker hash-password` (scrypt$N$r$p$salt$key)"
        ) from None
    if not (1 < n and n & (n - 1) == 0 and 0 < r and 128 * r * n <= _MAX_MEMORY
            and 0 < p <= 16 and salt and key):
        raise BadHash("password hash with impossible scrypt parameters")
    return n, r, p, salt, key


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int = KEY_BYTES):
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=length,
                          maxmem=256 * r * n)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
