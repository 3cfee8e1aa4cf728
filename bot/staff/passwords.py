"""Password hashing with scrypt (memory-hard, in the standard library): no dependency to add.

A hash is "scrypt$n$r$p$salt$key" (salt and key base64), so the cost can be raised later without
breaking the passwords stored under the old one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

N, R, P = 2**14, 8, 1  # 16 MiB and ~50 ms per hash: slow for a guesser, quick for one login
KEY_BYTES = 32
MAX_PASSWORD_CHARS = 1024  # scrypt takes any length; a megabyte "password" is an attack, not a login
MIN_PASSWORD_CHARS = 10


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=N, r=R, p=P, dklen=KEY_BYTES)
    return f"scrypt${N}${R}${P}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str) -> bool:
    if len(password) > MAX_PASSWORD_CHARS:
        return False
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(key)
        got = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
            maxmem=64 * 1024 * 1024,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def one_time_password() -> str:
    """What `madoguchi staff add` prints: typed once, then replaced at the first login."""
    return secrets.token_urlsafe(12)


def weak_reason(password: str, login: str) -> str | None:
    """Why a new password is refused (a label key), or None."""
    if len(password) < MIN_PASSWORD_CHARS:
        return "password_short"
    if len(password) > MAX_PASSWORD_CHARS:
        return "password_long"
    if login.lower() in password.lower():
        return "password_has_login"
    return None
